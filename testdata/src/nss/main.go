// nss: looks up users and host names. Built with cgo it calls glibc's getpwuid_r, getpwnam_r
// and getaddrinfo, which go through NSS; linked statically, glibc then needs its shared NSS
// modules at run time, which a scratch image does not have.
package main

import (
	"net"
	"os"
	"os/user"
)

func main() {
	if len(os.Args) < 2 {
		os.Stdout.WriteString("usage: nss host\n")
		return
	}
	if u, err := user.Current(); err == nil {
		os.Stdout.WriteString("user " + u.Username + "\n")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
	}
	addrs, err := net.LookupHost(os.Args[1])
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
	}
	for _, a := range addrs {
		os.Stdout.WriteString(a + "\n")
	}
}

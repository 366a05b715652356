// needs: reaches every runtime file dependency gostatic looks for on a scratch image (CA
// bundle, zoneinfo, /etc/passwd, the resolver's /etc files, MIME tables, a temp dir), with no
// embedded fallback. It only does the work when given an argument, so running it is harmless.
package main

import (
	"crypto/x509"
	"mime"
	"net"
	"os"
	"os/user"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		os.Stdout.WriteString("usage: needs host\n")
		return
	}
	report := func(what string, err error) {
		if err != nil {
			os.Stdout.WriteString(what + ": " + err.Error() + "\n")
		}
	}
	_, err := x509.SystemCertPool()
	report("CA roots", err)
	_, err = time.LoadLocation("Europe/Paris")
	report("zoneinfo", err)
	_, err = user.Current()
	report("current user", err)
	_, err = user.Lookup("nobody")
	report("user nobody", err)
	_, err = net.LookupHost(os.Args[1])
	report("lookup", err)
	os.Stdout.WriteString("json is " + mime.TypeByExtension(".json") + "\n")
	f, err := os.CreateTemp("", "needs")
	report("temp file", err)
	if f != nil {
		f.Close()
		os.Remove(f.Name())
	}
}

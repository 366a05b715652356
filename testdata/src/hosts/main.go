// Resolves each argument with the net package's resolver and prints the addresses: run with
// GODEBUG=netdns=go+2, the runtime itself says in which order it asks /etc/hosts and DNS.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	status := 0
	for _, name := range os.Args[1:] {
		addrs, err := net.LookupHost(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		fmt.Println(name, addrs)
	}
	os.Exit(status)
}

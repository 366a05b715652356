// embedded: loads a time zone by name and the system CA roots, like needs, but carries what
// those would read from disk: the zone database (time/tzdata) and fallback roots registered with
// x509.SetFallbackRoots (Go 1.20+, what golang.org/x/crypto/x509roots/fallback does). So a
// scratch image needs neither /usr/share/zoneinfo nor a CA bundle. The fallback pool is empty:
// only the call matters to gostatic.
package main

import (
	"crypto/x509"
	"os"
	"time"
	_ "time/tzdata"
)

func init() {
	x509.SetFallbackRoots(x509.NewCertPool())
}

func main() {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(time.Date(2026, 1, 1, 12, 0, 0, 0, loc).Format(time.RFC3339) + "\n")
	if _, err := x509.SystemCertPool(); err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}

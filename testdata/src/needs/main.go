// needs: reaches every runtime file dependency gostatic looks for on a scratch image (CA
// bundle, zoneinfo, /etc/passwd, the resolver's /etc files, MIME tables, a temp dir, a cache
// directory under $HOME), with no embedded fallback. It only does the work when given an
// argument, so running it is harmless.
//
// `needs -selftest` checks the run-time files a container gives it, without the network: the
// CA pool is not empty, a zone loads, the current uid has a passwd entry, a temp file can be
// made, and a directory can be made in os.UserCacheDir ($XDG_CACHE_HOME, else $HOME/.cache).
// It prints each failure and exits 1, so running a suggested final stage proves more than "it
// started". `needs -writes` checks only the two writes (the temp file and the cache
// directory). The flags count anywhere among the arguments: an image's CMD may come first.
package main

import (
	"crypto/x509"
	"errors"
	"mime"
	"net"
	"os"
	"os/user"
	"strconv"
	"time"
)

func main() {
	for _, arg := range os.Args[1:] {
		if arg == "-selftest" {
			os.Exit(selftest(true))
		}
		if arg == "-writes" {
			os.Exit(selftest(false))
		}
	}
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
	report("cache dir", cacheDir())
}

// cacheDir makes (and removes) a directory in os.UserCacheDir, as a program caching there does.
func cacheDir() error {
	dir, err := os.UserCacheDir()
	if err != nil {
		return err
	}
	dir += "/needs"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Remove(dir)
}

func selftest(files bool) int {
	failed := 0
	fail := func(what string, err error) {
		os.Stdout.WriteString("selftest: " + what + ": " + err.Error() + "\n")
		failed++
	}
	if files {
		readsFiles(fail)
	}
	f, err := os.CreateTemp("", "selftest")
	if err != nil {
		fail("temp file", err)
	} else {
		f.Close()
		os.Remove(f.Name())
	}
	if err := cacheDir(); err != nil {
		fail("cache dir", err)
	}
	if failed > 0 {
		return 1
	}
	os.Stdout.WriteString("selftest: ok\n")
	return 0
}

// readsFiles checks what the program reads: the CA pool, a zone, the passwd entry.
func readsFiles(fail func(string, error)) {
	pool, err := x509.SystemCertPool()
	if err == nil && len(pool.Subjects()) == 0 { //nolint:staticcheck // Linux pools list them
		err = errors.New("the pool has no certificate")
	}
	if err != nil {
		fail("CA roots", err)
	}
	if _, err := time.LoadLocation("Europe/Paris"); err != nil {
		fail("zoneinfo", err)
	}
	if _, err := user.LookupId(strconv.Itoa(os.Getuid())); err != nil {
		fail("user lookup", err)
	}
}

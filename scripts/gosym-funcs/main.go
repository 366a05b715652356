// gosym-funcs prints the function names Go's own debug/gosym reads from an ELF file's
// pclntab ("F name", one per line) and the files of each function's entry ("P path"), so
// that gostatic's pclntab reader can be cross-checked against Go's (see
// tests/integration/gobin.rs, crosscheck_pclntab_against_debug_gosym).
//
// It finds the table through .gopclntab, .data.rel.ro.gopclntab, or the
// runtime.pclntab/runtime.epclntab symbols (external-link PIE keeps it in .data.rel.ro).
package main

import (
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
	"sort"
)

func main() {
	f, err := elf.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	sec := f.Section(".gopclntab")
	if sec == nil {
		sec = f.Section(".data.rel.ro.gopclntab")
	}
	var data []byte
	if sec != nil {
		data, _ = sec.Data()
	} else {
		syms, _ := f.Symbols()
		var start, end uint64
		for _, x := range syms {
			if x.Name == "runtime.pclntab" {
				start = x.Value
			}
			if x.Name == "runtime.epclntab" {
				end = x.Value
			}
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && start >= p.Vaddr && start < p.Vaddr+p.Filesz {
				data = make([]byte, end-start)
				p.ReadAt(data, int64(start-p.Vaddr))
			}
		}
	}
	text := f.Section(".text").Addr
	if s, err := f.Symbols(); err == nil {
		for _, x := range s {
			if x.Name == "runtime.text" {
				text = x.Value
			}
		}
	}
	t, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		panic(err)
	}
	files := map[string]bool{}
	for _, fn := range t.Funcs {
		fmt.Println("F", fn.Name)
		file, _, _ := t.PCToLine(fn.Entry)
		if file != "" {
			files[file] = true
		}
	}
	var fl []string
	for k := range files {
		fl = append(fl, k)
	}
	sort.Strings(fl)
	for _, k := range fl {
		fmt.Println("P", k)
	}
}

// pclnlist prints what a Go binary's pclntab says, read with Go's own debug/gosym: an
// independent witness for the fixture records (it shares no code with gostatic).
//
//	pclnlist files BINARY          every source file name in the file table, sorted
//	pclnlist funcs REGEXP BINARY   the function names matching REGEXP, sorted
//	pclnlist funcsum BINARY        the functab's entry count, the distinct names, and the
//	                               sha256 of the distinct names sorted, one per line
//
// It works on stripped binaries (pclntab survives -s -w), for ELF, PE and Mach-O.
package main

import (
	"crypto/sha256"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pclnlist:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var pattern *regexp.Regexp
	switch {
	case len(args) == 2 && args[0] == "files":
	case len(args) == 2 && args[0] == "funcsum":
	case len(args) == 3 && args[0] == "funcs":
		var err error
		if pattern, err = regexp.Compile(args[1]); err != nil {
			return err
		}
	default:
		return errors.New("usage: pclnlist files BINARY | pclnlist funcs REGEXP BINARY | pclnlist funcsum BINARY")
	}
	pcln, text, err := pclntab(args[len(args)-1])
	if err != nil {
		return err
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(pcln, text))
	if err != nil {
		return err
	}
	if args[0] == "funcsum" {
		return funcsum(table)
	}
	var names []string
	if pattern == nil {
		for name := range table.Files {
			names = append(names, name)
		}
	} else {
		seen := map[string]bool{}
		for _, fn := range table.Funcs {
			if pattern.MatchString(fn.Name) && !seen[fn.Name] {
				seen[fn.Name] = true
				names = append(names, fn.Name)
			}
		}
	}
	if len(names) == 0 && pattern == nil {
		return errors.New("empty file table")
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Println(name)
	}
	return nil
}

// funcsum prints a short summary of every function name, small enough to commit for a
// binary with thousands of functions.
func funcsum(table *gosym.Table) error {
	seen := map[string]bool{}
	var names []string
	for _, fn := range table.Funcs {
		if !seen[fn.Name] {
			seen[fn.Name] = true
			names = append(names, fn.Name)
		}
	}
	sort.Strings(names)
	hash := sha256.New()
	for _, name := range names {
		fmt.Fprintln(hash, name)
	}
	fmt.Printf("functions %d\ndistinct %d\nsha256 %x\n", len(table.Funcs), len(names), hash.Sum(nil))
	return nil
}

// pclntab returns the pclntab bytes and the start address of the text.
func pclntab(path string) ([]byte, uint64, error) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		var text uint64
		if s := f.Section(".text"); s != nil {
			text = s.Addr
		}
		syms, _ := f.Symbols()
		for _, x := range syms {
			if x.Name == "runtime.text" {
				text = x.Value
			}
		}
		for _, name := range []string{".gopclntab", ".data.rel.ro.gopclntab"} {
			if s := f.Section(name); s != nil {
				data, err := s.Data()
				return data, text, err
			}
		}
		return elfSymbolPclntab(f, syms, text)
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		var text uint64
		if s := f.Section("__text"); s != nil {
			text = s.Addr
		}
		if s := f.Section("__gopclntab"); s != nil {
			data, err := s.Data()
			return data, text, err
		}
		return nil, 0, errors.New("no __gopclntab section")
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return pePclntab(f)
	}
	return nil, 0, errors.New("not ELF, Mach-O or PE")
}

// pePclntab finds pclntab in a PE file through the runtime.pclntab/epclntab symbols, as
// cmd/internal/objfile does; a PE built with -s has none.
func pePclntab(f *pe.File) ([]byte, uint64, error) {
	var start, end int64 = -1, -1
	var section int16
	for _, s := range f.Symbols {
		switch s.Name {
		case "runtime.pclntab":
			start, section = int64(s.Value), s.SectionNumber
		case "runtime.epclntab":
			end = int64(s.Value)
		}
	}
	if start < 0 || end < start || section < 1 || int(section) > len(f.Sections) {
		return nil, 0, errors.New("no runtime.pclntab symbols (built with -s?)")
	}
	data, err := f.Sections[section-1].Data()
	if err != nil || end > int64(len(data)) {
		return nil, 0, errors.New("pclntab outside its section")
	}
	var text uint64
	if s := f.Section(".text"); s != nil {
		text = uint64(s.VirtualAddress)
	}
	return data[start:end], text, nil
}

// elfSymbolPclntab reads pclntab between the runtime.pclntab and runtime.epclntab symbols:
// an externally linked PIE keeps it inside .data.rel.ro, with no section of its own.
func elfSymbolPclntab(f *elf.File, syms []elf.Symbol, text uint64) ([]byte, uint64, error) {
	var start, end uint64
	for _, x := range syms {
		switch x.Name {
		case "runtime.pclntab":
			start = x.Value
		case "runtime.epclntab":
			end = x.Value
		}
	}
	if start == 0 || end <= start {
		return nil, 0, errors.New("no .gopclntab section and no runtime.pclntab symbols")
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && start >= p.Vaddr && end <= p.Vaddr+p.Filesz {
			data := make([]byte, end-start)
			_, err := p.ReadAt(data, int64(start-p.Vaddr))
			return data, text, err
		}
	}
	return nil, 0, errors.New("runtime.pclntab outside every PT_LOAD")
}

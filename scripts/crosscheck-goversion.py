#!/usr/bin/env python3
"""Compare `gostatic buildinfo` with `go version -m` over any files or directories.

    scripts/crosscheck-goversion.py [--gostatic PATH] [--go PATH] PATH...

Two runs, each tool on the same arguments, comparing stdout, stderr and the exit status:

1. directory mode: the PATHs as given (directories are walked by each tool itself);
2. named mode: every regular file under the PATHs named on the command line (in batches),
   so the per-file error messages (`could not read Go build info from ...`) are compared too.

A file that `go version -m` cannot read but gostatic can (`found_by: scan` in
`gostatic buildinfo --json`, e.g. an ELF whose section headers were stripped) is not a
difference: it is counted and listed as "read only by gostatic", and Go's error line or
silence for it is expected. Everything else must be byte-identical.

Prints every difference and a final line `agreement: N/M files identical`; exits 1 on any
difference. `go` defaults to $GOROOT/bin/go or the `go` on PATH.
"""

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys

BATCH = 400


def regular_files(paths):
    """Regular files (and file symlinks) under paths, as named mode will name them."""
    found = []
    for root in paths:
        if os.path.isdir(root):
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames.sort()
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    try:
                        if stat.S_ISREG(os.stat(path).st_mode):
                            found.append(path)
                    except OSError:
                        continue
        else:
            found.append(root)
    return found


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True)
    return proc.stdout, proc.stderr, proc.returncode


def blocks(stdout):
    """Split `go version -m` output into per-file blocks (a header line, then tab lines)."""
    out = []
    for line in stdout.splitlines(keepends=True):
        if line.startswith(b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def attribute(args, stdout, stderr):
    """Per named file: (stdout block or None, stderr line or None), in argument order."""
    outs, errs = blocks(stdout), stderr.splitlines(keepends=True)
    records, oi, ei = {}, 0, 0
    for arg in args:
        a = os.fsencode(arg)
        block = line = None
        if oi < len(outs) and outs[oi].startswith(a + b": "):
            block, oi = outs[oi], oi + 1
        if ei < len(errs) and (
            errs[ei] in (a + b"\n",)
            or errs[ei].startswith(a + b": ")
            or errs[ei].startswith(b"stat " + a + b": ")
        ):
            line, ei = errs[ei], ei + 1
        records[arg] = (block, line)
    leftovers = outs[oi:] + errs[ei:]
    return records, leftovers


def scan_only(gostatic, files):
    """Files gostatic reads only with its wider scan (Go's lookup fails on them)."""
    found = set()
    for i in range(0, len(files), BATCH):
        batch = files[i : i + BATCH]
        out, _, _ = run([gostatic, "buildinfo", "--json", *batch])
        for entry in json.loads(out or b"[]"):
            if entry.get("go", {}).get("found_by") == "scan":
                found.add(entry["path"])
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gostatic", default="target/release/gostatic")
    parser.add_argument("--go", default=None)
    parser.add_argument("paths", nargs="+")
    opts = parser.parse_args()
    go = opts.go or (
        os.path.join(os.environ["GOROOT"], "bin", "go") if os.environ.get("GOROOT") else shutil.which("go")
    )
    if not go:
        sys.exit("crosscheck-goversion: no go found (set GOROOT or --go)")
    differences = []
    files = regular_files(opts.paths)
    only_gostatic = scan_only(opts.gostatic, files)

    # 1. Directory mode: the tools walk the paths themselves.
    g_out, g_err, g_rc = run([go, "version", "-m", *opts.paths])
    s_out, s_err, s_rc = run([opts.gostatic, "buildinfo", *opts.paths])
    s_blocks = [
        b for b in blocks(s_out) if os.fsdecode(b.split(b": ", 1)[0]) not in only_gostatic
    ]
    if s_blocks != blocks(g_out):
        g_set, s_set = set(blocks(g_out)), set(s_blocks)
        for b in blocks(g_out):
            if b not in s_set:
                differences.append(("directory mode, only go", b.decode(errors="replace")))
        for b in s_blocks:
            if b not in g_set:
                differences.append(("directory mode, only gostatic", b.decode(errors="replace")))
        if g_set == s_set:
            differences.append(("directory mode", "same blocks in a different order"))
    if s_err != g_err:
        differences.append(("directory mode stderr", f"go: {g_err!r}\ngostatic: {s_err!r}"))
    if s_rc != g_rc:
        differences.append(("directory mode exit status", f"go {g_rc}, gostatic {s_rc}"))

    # 2. Named mode: every file named, so error messages and exit statuses are compared.
    go_binaries, identical = 0, 0
    for i in range(0, len(files), BATCH):
        batch = files[i : i + BATCH]
        g_out, g_err, g_rc = run([go, "version", "-m", *batch])
        s_out, s_err, s_rc = run([opts.gostatic, "buildinfo", *batch])
        g_rec, g_left = attribute(batch, g_out, g_err)
        s_rec, s_left = attribute(batch, s_out, s_err)
        for leftover in g_left + s_left:
            differences.append(("unattributed output", leftover.decode(errors="replace")))
        for f in batch:
            g, s = g_rec[f], s_rec[f]
            if f in only_gostatic:
                continue
            if g[0] is not None:
                go_binaries += 1
            if g == s:
                identical += 1
            else:
                differences.append((f, f"go: {g!r}\ngostatic: {s!r}"))
        batch_scan_only = any(f in only_gostatic for f in batch)
        if s_rc != g_rc and not (batch_scan_only and g_rc == 1 and s_rc == 0):
            differences.append((f"batch {i // BATCH} exit status", f"go {g_rc}, gostatic {s_rc}"))

    for where, what in differences:
        print(f"DIFF {where}:\n{what}")
    compared = len(files) - len(only_gostatic)
    print(f"files: {len(files)}; Go binaries go version -m reads: {go_binaries}; "
          f"read only by gostatic: {len(only_gostatic)}")
    for f in sorted(only_gostatic):
        print(f"  gostatic only: {f}")
    print(f"agreement: {identical}/{compared} files identical (stdout block and stderr line)")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compare `gostatic buildinfo` with `go version -m` over any files or directories.

    scripts/crosscheck-goversion.py [--json] [--gostatic PATH] [--go PATH] PATH...
    scripts/crosscheck-goversion.py --recorded [--json] [--gostatic PATH] PATH...

Live mode (the default) runs both tools on the same arguments twice, comparing stdout, stderr
and the exit status:

1. named mode: every regular file under the PATHs named on the command line (in batches of
   400), so every file's stdout block and stderr line are compared;
2. directory mode: the PATHs as given (directories are walked by each tool itself).

Which files are exempt is decided by Go alone: a file is exempt only when Go fails on it, that
is when `go version -m FILE` prints no stdout block for it (an error line, or nothing). For such
a file gostatic may print a block instead: it is then counted and listed as "read only by
gostatic" (e.g. an ELF whose section headers were stripped), its block is left out of the
directory-mode comparison, and a batch where Go exits 1 and gostatic 0 because of it is
accepted. If gostatic fails on it too, its stderr line must be Go's. Everything else must be
byte-identical. `go` defaults to $GOROOT/bin/go or the `go` on PATH.

Recorded mode (--recorded) needs no Go toolchain. It compares against the `go version -m`
outputs recorded beside the fixtures by testdata/build.sh: every file under the PATHs that has
a `NAME.goversion` sibling is a binary, and the record is what `cd DIR && go version -m NAME
> NAME.goversion 2>&1` printed (Go 1.27.3). The script finds the NAME the record was made with
(the file's base name for testdata/bin, go and pe-macho; `./SUB/NAME` from an ancestor for
testdata/gen), runs `gostatic buildinfo NAME` from the same directory with stderr merged into
stdout the same way, and compares the bytes. A record in which Go failed (empty, `NAME`,
`NAME: symlink` or `NAME: could not read Go build info...`, Go's own failure lines) exempts the
binary in the same way as in live mode. The exit status is not recorded, so not compared.
Executables without a record (ELF, PE or Mach-O magic) are listed as not compared: without Go
there is nothing to compare them with; live mode compares them.

--json compares `gostatic buildinfo -json` with `go version -m -json` (Go 1.24+) the same way:
live, the named mode first runs the text form to learn which files Go fails on, then compares
stdout, stderr and the exit status of the JSON form byte for byte on the files both read (a JSON
document names no file, so the exempt files are left out of the arguments), and the directory
mode drops gostatic's documents for the exempt files (their order is that of its text blocks);
recorded, it compares with the `NAME.gojson` records (`go version -m -json NAME`, Go 1.27.3;
Go 1.25.5 prints the same bytes for every fixture).

Prints every difference, then `agreement: N/M files identical`, where M leaves out the files
read only by gostatic; exits 1 on any difference.
"""

import argparse
import os
import shutil
import stat
import subprocess
import sys

BATCH = 400
RECORD_SUFFIX = ".goversion"
JSON_RECORD_SUFFIX = ".gojson"
EXECUTABLE_MAGICS = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)


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


def run(cmd, cwd=None, merge_stderr=False):
    proc = subprocess.run(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE
    )
    return proc.stdout, proc.stderr or b"", proc.returncode


def blocks(stdout):
    """Split `go version -m` output into per-file blocks (a header line, then tab lines)."""
    out = []
    for line in stdout.splitlines(keepends=True):
        if line.startswith(b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def documents(stdout):
    """Split `go version -m -json` output into its documents (each `{` ... `}` at column 0)."""
    out = []
    for line in stdout.splitlines(keepends=True):
        if line.startswith(b"{") or not out:
            out.append(line)
        else:
            out[-1] += line
    return out


def block_path(block):
    return os.fsdecode(block.split(b": ", 1)[0])


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


def live(opts):
    go = opts.go or (
        os.path.join(os.environ["GOROOT"], "bin", "go") if os.environ.get("GOROOT") else shutil.which("go")
    )
    if not go:
        sys.exit("crosscheck-goversion: no go found (set GOROOT or --go, or use --recorded)")
    differences = []
    files = regular_files(opts.paths)
    only_gostatic = set()
    go_binaries = identical = 0

    # 1. Named mode: every file named, so each file's block or error line is compared, and
    # Go's failures (no stdout block) are learnt here.
    for i in range(0, len(files), BATCH):
        batch = files[i : i + BATCH]
        g_out, g_err, g_rc = run([go, "version", "-m", *batch])
        s_out, s_err, s_rc = run([opts.gostatic, "buildinfo", *batch])
        g_rec, g_left = attribute(batch, g_out, g_err)
        s_rec, s_left = attribute(batch, s_out, s_err)
        for leftover in g_left + s_left:
            differences.append(("unattributed output", leftover.decode(errors="replace")))
        batch_only_gostatic = False
        for f in batch:
            (g_block, g_line), (s_block, s_line) = g_rec[f], s_rec[f]
            if g_block is not None:
                go_binaries += 1
            if (g_block, g_line) == (s_block, s_line):
                identical += 1
            elif g_block is None and s_block is not None and s_line is None:
                only_gostatic.add(f)  # Go failed on it: exempt
                batch_only_gostatic = True
            else:
                differences.append((f, f"go: {(g_block, g_line)!r}\ngostatic: {(s_block, s_line)!r}"))
        if s_rc != g_rc and not (batch_only_gostatic and g_rc == 1 and s_rc == 0):
            differences.append((f"batch {i // BATCH} exit status", f"go {g_rc}, gostatic {s_rc}"))

    # 2. Directory mode: the tools walk the paths themselves.
    g_out, g_err, g_rc = run([go, "version", "-m", *opts.paths])
    s_out, s_err, s_rc = run([opts.gostatic, "buildinfo", *opts.paths])
    g_blocks = blocks(g_out)
    s_blocks = [b for b in blocks(s_out) if block_path(b) not in only_gostatic]
    if s_blocks != g_blocks:
        g_set, s_set = set(g_blocks), set(s_blocks)
        for b in g_blocks:
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

    if opts.json:
        live_json(opts, go, files, only_gostatic, differences)

    report(differences, only_gostatic, f"files: {len(files)}; Go binaries go version -m reads: {go_binaries}")
    print(f"agreement: {identical}/{len(files) - len(only_gostatic)} files identical (stdout block and stderr line)")
    sys.exit(1 if differences else 0)


def live_json(opts, go, files, only_gostatic, differences):
    """The -json form: byte-identical on the files both tools read, named and walked."""
    both = [f for f in files if f not in only_gostatic]
    same = 0
    for i in range(0, len(both), BATCH):
        batch = both[i : i + BATCH]
        g = run([go, "version", "-m", "-json", *batch])
        s = run([opts.gostatic, "buildinfo", "-json", *batch])
        if g == s:
            same += len(batch)
        else:
            differences.append((f"-json batch {i // BATCH}", f"go: {g!r}\ngostatic: {s!r}"))
    g_out, g_err, g_rc = run([go, "version", "-m", "-json", *opts.paths])
    s_out, s_err, s_rc = run([opts.gostatic, "buildinfo", "-json", *opts.paths])
    text_out, _, _ = run([opts.gostatic, "buildinfo", *opts.paths])
    paths = [block_path(b) for b in blocks(text_out)]
    docs = documents(s_out)
    if len(paths) != len(docs):
        differences.append(("-json directory mode", f"{len(docs)} documents for {len(paths)} text blocks"))
    kept = b"".join(d for p, d in zip(paths, docs) if p not in only_gostatic)
    if (kept, s_err, s_rc) != (g_out, g_err, g_rc):
        differences.append(("-json directory mode", f"go: {(g_out, g_err, g_rc)!r}\ngostatic: {(kept, s_err, s_rc)!r}"))
    print(f"-json: {same}/{len(both)} named files identical; directory mode {'identical' if (kept, s_err, s_rc) == (g_out, g_err, g_rc) else 'DIFFERENT'}")


def recorded_name(binary, record):
    """(directory, NAME) such that the record is `go version -m NAME` run from directory: the
    base name, else `./SUB/.../NAME` from an ancestor (build.sh's `find .` for gen/)."""
    directory, name = os.path.split(binary)
    directory = directory or "."
    candidates = [(directory, name)]
    sub = name
    while True:
        parent, part = os.path.split(directory)
        if not part or part in (".", ".."):
            break
        sub = os.path.join(part, sub)
        directory = parent or "."
        candidates.append((directory, "./" + sub))
    for directory, name in candidates:
        n = os.fsencode(name)
        if record.startswith(n + b": ") or record == n + b"\n":
            return directory, name
    return candidates[0]  # an empty record (Go silent) or one naming no candidate


def go_failed(record, name):
    """The record is one of Go's failures for a named file (cmd/go/internal/version): nothing
    (a non-executable non-Go file), `NAME` (a path error), `NAME: symlink`, or
    `NAME: could not read Go build info...` (every debug/buildinfo.ReadFile error)."""
    n = os.fsencode(name)
    return (
        record == b""
        or record == n + b"\n"
        or record == n + b": symlink\n"
        or record.startswith(n + b": could not read Go build info")
    )


def recorded(opts):
    gostatic = os.path.abspath(opts.gostatic)
    suffix = JSON_RECORD_SUFFIX if opts.json else RECORD_SUFFIX
    flags = ["-json"] if opts.json else []
    differences, only_gostatic, without_record = [], set(), []
    identical = compared = go_binaries = 0
    files = regular_files(opts.paths)
    present = set(files)
    for f in files:
        if f.endswith((RECORD_SUFFIX, JSON_RECORD_SUFFIX)):
            continue
        record_path = f + suffix
        if record_path not in present:
            try:
                with open(f, "rb") as handle:
                    head = handle.read(4)
            except OSError:
                head = b""
            if head.startswith(EXECUTABLE_MAGICS):
                without_record.append(f)
            continue
        with open(record_path, "rb") as handle:
            record = handle.read()
        directory, name = recorded_name(f, record)
        out, _, _ = run([gostatic, "buildinfo", *flags, name], cwd=directory, merge_stderr=True)
        failed = go_failed(record, name)
        go_binaries += not failed
        # What gostatic prints for a binary Go could not read: a block, or a JSON document.
        read = out.startswith(b"{") if opts.json else out.startswith(os.fsencode(name) + b": ")
        if out == record:
            identical += 1
            compared += 1
        elif failed and read and not go_failed(out, name):
            only_gostatic.add(f)  # Go failed on it when recorded: exempt
        else:
            compared += 1
            differences.append((f, f"recorded go (in {directory}): {record!r}\ngostatic: {out!r}"))

    report(differences, only_gostatic, f"records: {compared + len(only_gostatic)}; Go binaries the records read: {go_binaries}")
    for f in without_record:
        print(f"  not compared (no {suffix} record): {f}")
    form = "go version -m -json" if opts.json else "go version -m"
    print(f"agreement: {identical}/{compared} files identical (recorded {form} output)")
    sys.exit(1 if differences else 0)


def report(differences, only_gostatic, counts):
    for where, what in differences:
        print(f"DIFF {where}:\n{what}")
    print(f"{counts}; read only by gostatic: {len(only_gostatic)}")
    for f in sorted(only_gostatic):
        print(f"  gostatic only: {f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gostatic", default="target/release/gostatic")
    parser.add_argument("--go", default=None)
    parser.add_argument("--recorded", action="store_true",
                        help="compare with the NAME.goversion records beside the binaries, not a live go")
    parser.add_argument("--json", action="store_true",
                        help="compare buildinfo -json with go version -m -json (records: NAME.gojson)")
    parser.add_argument("paths", nargs="+")
    opts = parser.parse_args()
    if opts.recorded:
        recorded(opts)
    else:
        live(opts)


if __name__ == "__main__":
    main()

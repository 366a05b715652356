#!/usr/bin/env python3
"""Compare `gostatic check --format json` with readelf over any files or directories.

    scripts/crosscheck-readelf.py [--gostatic PATH] [--jobs N] PATH...

For every ELF file under PATH (found independently: first four bytes, directory symlinks not
followed, file symlinks followed, like gostatic), runs `readelf -hlWdS` and derives the ELF
type, PT_INTERP, DT_NEEDED, DT_SONAME, DF_1_PIE, the entry point, `.symtab` and DWARF presence,
and the linking class by the rules in docs/json.md. Then it compares, per file: linking class,
interpreter, NEEDED (in order), .symtab presence and DWARF presence, and reports files that
one side could read and the other could not. Prints every disagreement and a final line
`agreement: N/M files identical on all fields`; exits 1 on any disagreement.
"""

import argparse
import concurrent.futures
import json
import os
import re
import stat
import subprocess
import sys


def find_elves(paths):
    """Every regular file (or file symlink) under paths whose first bytes are \\x7fELF."""
    found = []

    def consider(path, named):
        try:
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
        except OSError:
            if named:
                found.append(path)

    for root in paths:
        if os.path.isdir(root):
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames.sort()
                for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                    path = os.path.join(dirpath, name)
                    try:
                        st = os.stat(path)  # follows file symlinks
                    except OSError:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        consider(path, False)
        else:
            consider(root, True)
    return sorted(set(found))


NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(.*)\]")
SONAME = re.compile(r"\(SONAME\)\s+Library soname: \[(.*)\]")
FLAGS_1 = re.compile(r"\(FLAGS_1\)\s+Flags: (.*)")
INTERP = re.compile(r"\[Requesting program interpreter: (.*)\]")
SECTION = re.compile(r"^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)")


def readelf_facts(path):
    proc = subprocess.run(
        ["readelf", "-hlWdS", path], capture_output=True, env={**os.environ, "LC_ALL": "C"}, timeout=120
    )
    text = proc.stdout.decode("utf-8", "replace")
    elf_type = re.search(r"^\s*Type:\s+(\S+)", text, re.M)
    if not elf_type:
        return None  # readelf could not read even the header
    entry = re.search(r"Entry point address:\s+(0x[0-9a-f]+)", text)
    interp = INTERP.search(text)
    flags_1 = FLAGS_1.search(text)
    sections = []
    for line in text.splitlines():
        m = SECTION.match(line)
        if m:
            sections.append((m.group(1), m.group(2), int(m.group(3), 16), m.group(4)))
    code = [s for s in sections if "A" in s[3] and "X" in s[3] and s[2] > 0]
    facts = {
        "type": elf_type.group(1),
        "entry": int(entry.group(1), 16) if entry else 0,
        "interpreter": interp.group(1) if interp else None,
        "needed": NEEDED.findall(text),
        "soname": SONAME.search(text) is not None,
        "pie_flag": bool(flags_1 and "PIE" in flags_1.group(1).split()),
        "symtab": any(s[1] == "SYMTAB" and s[2] > 0 for s in sections),
        "dwarf": any(re.match(r"\.z?debug_", s[0]) and s[1] != "NOBITS" for s in sections),
        "debug_info_file": bool(code) and all(s[1] == "NOBITS" for s in code),
    }
    facts["linking"] = classify(facts)
    return facts


def classify(f):
    """The linking class, by the rules in docs/json.md, from readelf's view."""
    t = f["type"]
    if t == "REL":
        return "object"
    if t == "CORE":
        return "core"
    if f["debug_info_file"]:
        return "debug-info"
    if t == "DYN" and f["soname"] and not f["pie_flag"]:
        return "shared-library"
    if f["interpreter"] is not None:
        return "pie-with-interpreter" if t == "DYN" and not f["needed"] else "dynamic"
    if t == "DYN" and f["needed"] and not f["pie_flag"]:
        return "shared-library"
    if f["needed"]:
        return "dynamic"
    if t == "DYN":
        return "shared-library" if f["entry"] == 0 else "static-pie"
    return "static"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gostatic", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "gostatic"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    proc = subprocess.run([args.gostatic, "check", "--format", "json", *args.paths], capture_output=True)
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"gostatic failed with exit code {proc.returncode}: {proc.stderr.decode()}")
    report = json.loads(proc.stdout)
    ours = {f["path"]: f["elf"] for f in report["files"] if f["elf"] is not None}
    our_errors = {e["path"]: e["message"] for e in report["errors"]}

    elves = find_elves(args.paths)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs * 2) as pool:
        theirs = dict(zip(elves, pool.map(readelf_facts, elves)))

    disagreements = []
    identical = 0
    for path in elves:
        mine, other = ours.get(path), theirs[path]
        if mine is None or other is None:
            if mine is None and other is None:
                identical += 1  # both refuse it
            elif mine is None:
                disagreements.append((path, "readable", our_errors.get(path, "not reported"), "readelf parsed it"))
            else:
                disagreements.append((path, "readable", "gostatic parsed it", "readelf could not"))
            continue
        fields = [
            ("linking", mine["linking"], other["linking"]),
            ("interpreter", mine["interpreter"], other["interpreter"]),
            ("needed", mine["needed"], other["needed"]),
            ("symtab", mine["symtab_bytes"] > 0, other["symtab"]),
            ("dwarf", mine["dwarf_bytes"] > 0, other["dwarf"]),
        ]
        bad = [(path, name, a, b) for name, a, b in fields if a != b]
        disagreements.extend(bad)
        identical += not bad
    extra = sorted(set(ours) - set(elves))
    for path in extra:
        disagreements.append((path, "reported", "gostatic reported it", "not an ELF file to the script"))

    for path, field, mine, other in disagreements:
        print(f"{path}: {field}: gostatic={mine!r} readelf={other!r}")
    print(f"agreement: {identical}/{len(elves)} files identical on all fields ({len(disagreements)} disagreements)")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()

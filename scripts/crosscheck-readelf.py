#!/usr/bin/env python3
"""Compare `gostatic check --format json` with GNU readelf over any files or directories.

    scripts/crosscheck-readelf.py [--gostatic PATH] [--jobs N] PATH...

For every ELF file under PATH (found independently: first four bytes, directory symlinks not
followed, file symlinks followed, like gostatic), runs `readelf -hlWdS` and keeps only what
readelf itself prints: the ELF type and entry point (-h), the program headers with their flags
and the interpreter readelf requests (-l), the dynamic entries in order (-d), and the section
list with types, sizes, flags and links (-S). From those it derives each compared field of
`files[].elf` by the definitions in docs/json.md, never from gostatic's code or output:

    linking       the linking class table of docs/json.md (ET_REL, ET_CORE, separate debug
                  file, then ET_DYN and ET_EXEC by PT_INTERP, DT_NEEDED, DT_SONAME, DF_1_PIE
                  and the entry point); a type the table leaves undefined derives no class
                  and is printed as a disagreement, whatever gostatic says
    interpreter   the first `[Requesting program interpreter: ...]`
    needed        the (NEEDED) entries, in order
    soname        the first (SONAME) entry
    entry         `Entry point address`
    bind_now      a (BIND_NOW) entry, BIND_NOW in (FLAGS) or NOW in (FLAGS_1)
    relro         null without a DYNAMIC program header; else `full` with GNU_RELRO and
                  BIND_NOW, `partial` with GNU_RELRO alone, `none` without GNU_RELRO
    gnu_stack     `missing` without a GNU_STACK program header; else the last one's E flag:
                  `executable` or `non-executable`
    nx            null for object, core and debug-info; else the last GNU_STACK lacks E
    pie           ET_DYN started as a program: class static-pie, pie-with-interpreter or dynamic
    symtab        `.symtab`, its linked string table and `.symtab_shndx` have bytes on disk
                  (gostatic: symtab_bytes > 0)
    dwarf         a `.debug_*` or `.zdebug_*` section has bytes on disk (not NOBITS, size > 0;
                  gostatic: dwarf_bytes > 0)

It also reports files that one side could read and the other could not, and files gostatic
reports that the script did not find. Prints every disagreement as
`PATH: FIELD: gostatic=... readelf=...` and a final line
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
from dataclasses import dataclass, field


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


# What readelf prints ------------------------------------------------------------------------


@dataclass
class Section:
    index: int
    name: str
    type: str
    size: int
    flags: str
    link: int


@dataclass
class ReadelfView:
    """readelf's own output for one file, parsed but not interpreted."""

    type: str
    entry: int
    segments: list = field(default_factory=list)  # (p_type, flag letters R/W/E), in order
    interpreters: list = field(default_factory=list)  # each `Requesting program interpreter`
    dynamic: list = field(default_factory=list)  # (tag name, value text), in order
    sections: list = field(default_factory=list)


ELF_TYPE = re.compile(r"^\s*Type:\s+(\S+)", re.M)
ENTRY = re.compile(r"^\s*Entry point address:\s+(0x[0-9a-fA-F]+)", re.M)
INTERP = re.compile(r"^\s*\[Requesting program interpreter: (.*)\]$")
DYNAMIC_ENTRY = re.compile(r"^\s*0x[0-9a-fA-F]+ \(([^)]+)\)\s*(.*)$")
SECTION_LINE = re.compile(r"^\s*\[\s*(\d+)\](.*)$")
# readelf's section flag letters (its "Key to Flags"); ES is lowercase hex, so never all flags.
SECTION_FLAG_LETTERS = set("WAXMSILOGTCxoEDlp")


def parse_section(line):
    """One `readelf -SW` row: [Nr] Name Type Address Off Size ES Flg Lk Inf Al (Flg may be
    empty, Name may be empty or hold spaces), read from the right."""
    m = SECTION_LINE.match(line)
    if not m:
        return None
    tokens = m.group(2).split()
    flags = ""
    if len(tokens) >= 9 and set(tokens[-4]) <= SECTION_FLAG_LETTERS:
        flags = tokens[-4]
        rest = tokens[:-4]
    else:
        rest = tokens[:-3]
    if len(rest) < 5:
        return None
    # rest = [name words...] type address offset size es
    sh_type, size = rest[-5], rest[-2]
    name = " ".join(rest[:-5])
    try:
        return Section(int(m.group(1)), name, sh_type, int(size, 16), flags, int(tokens[-3]))
    except ValueError:
        return None


def parse_readelf(text):
    elf_type = ELF_TYPE.search(text)
    if not elf_type:
        return None  # readelf could not read even the header
    entry = ENTRY.search(text)
    view = ReadelfView(type=elf_type.group(1), entry=int(entry.group(1), 16) if entry else 0)
    part = None
    for line in text.splitlines():
        if line.startswith("Program Headers:"):
            part = "segments"
            continue
        if line.startswith("Section Headers:"):
            part = "sections"
            continue
        if line.startswith("Dynamic section at offset"):
            part = "dynamic"
            continue
        if not line.strip() or line.startswith((" Section to Segment", "Key to Flags")):
            part = None
            continue
        if part == "segments":
            m = INTERP.match(line)
            if m:
                view.interpreters.append(m.group(1))
                continue
            tokens = line.split()
            # Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align; Flg is 0-3 letters.
            if len(tokens) >= 7 and tokens[0] != "Type" and tokens[1].startswith("0x"):
                view.segments.append((tokens[0], "".join(tokens[6:-1])))
        elif part == "dynamic":
            m = DYNAMIC_ENTRY.match(line)
            if m:
                view.dynamic.append((m.group(1), m.group(2).strip()))
        elif part == "sections":
            section = parse_section(line)
            if section:
                view.sections.append(section)
    return view


def read_with_readelf(path):
    proc = subprocess.run(
        ["readelf", "-hlWdS", path], capture_output=True, env={**os.environ, "LC_ALL": "C"}, timeout=120
    )
    return parse_readelf(proc.stdout.decode("utf-8", "replace"))


# docs/json.md's definitions, applied to readelf's view ----------------------------------------


def bracketed(value):
    """`Shared library: [libc.so.6]` -> `libc.so.6`."""
    m = re.search(r"\[(.*)\]", value)
    return m.group(1) if m else value


def dynamic_values(view, tag):
    return [value for t, value in view.dynamic if t == tag]


def dynamic_flag_words(view, tag):
    """The flag names readelf prints for (FLAGS) `BIND_NOW ...` or (FLAGS_1) `Flags: NOW PIE`."""
    words = set()
    for value in dynamic_values(view, tag):
        words.update(value.removeprefix("Flags:").split())
    return words


def on_disk_bytes(section):
    return 0 if section is None or section.type == "NOBITS" else section.size


def linking_class(view, has_interp, needed, soname, pie_flag):
    """The table `Linking classes (elf.linking)` of docs/json.md; None where it defines none."""
    if view.type == "REL":
        return "object"
    if view.type == "CORE":
        return "core"
    if view.type not in ("EXEC", "DYN"):
        return None
    # Separate debug file: every executable section is SHT_NOBITS (and there is one).
    executable_sections = [s for s in view.sections if "X" in s.flags]
    if executable_sections and all(s.type == "NOBITS" for s in executable_sections):
        return "debug-info"
    if view.type == "DYN":
        # shared-library: DT_SONAME without DF_1_PIE (even with PT_INTERP), or DT_NEEDED
        # without PT_INTERP, or entry point 0.
        if (soname is not None and not pie_flag) or (needed and not has_interp) or view.entry == 0:
            return "shared-library"
        if has_interp:
            return "dynamic" if needed else "pie-with-interpreter"
        return "static-pie"  # an entry point, no PT_INTERP, no DT_NEEDED
    # ET_EXEC: dynamic with DT_NEEDED or PT_INTERP, static with neither.
    if needed or has_interp:
        return "dynamic"
    return "static"


def derive(view):
    """The compared `elf.*` fields, from readelf's view by docs/json.md."""
    segment_types = [t for t, _ in view.segments]
    needed = [bracketed(v) for v in dynamic_values(view, "NEEDED")]
    sonames = [bracketed(v) for v in dynamic_values(view, "SONAME")]
    soname = sonames[0] if sonames else None
    flags_1 = dynamic_flag_words(view, "FLAGS_1")
    bind_now = (
        bool(dynamic_values(view, "BIND_NOW"))
        or "BIND_NOW" in dynamic_flag_words(view, "FLAGS")
        or "NOW" in flags_1
    )
    linking = linking_class(view, "INTERP" in segment_types, needed, soname, "PIE" in flags_1)

    if "DYNAMIC" not in segment_types:
        relro = None
    elif "GNU_RELRO" in segment_types:
        relro = "full" if bind_now else "partial"
    else:
        relro = "none"
    stacks = [flags for t, flags in view.segments if t == "GNU_STACK"]
    if not stacks:
        gnu_stack = "missing"
    else:
        gnu_stack = "executable" if "E" in stacks[-1] else "non-executable"
    if linking in ("object", "core", "debug-info"):
        nx = None
    else:
        nx = bool(stacks) and "E" not in stacks[-1]

    by_name = {}
    for s in view.sections:
        by_name.setdefault(s.name, s)
    symtab = by_name.get(".symtab")
    symtab_bytes = on_disk_bytes(symtab) + on_disk_bytes(by_name.get(".symtab_shndx"))
    if symtab is not None and 0 < symtab.link < len(view.sections):
        symtab_bytes += on_disk_bytes(view.sections[symtab.link])
    dwarf_bytes = sum(on_disk_bytes(s) for s in view.sections if re.match(r"\.z?debug_", s.name))

    return {
        "linking": linking,
        "interpreter": view.interpreters[0] if view.interpreters else None,
        "needed": needed,
        "soname": soname,
        "entry": view.entry,
        "relro": relro,
        "bind_now": bind_now,
        "gnu_stack": gnu_stack,
        "nx": nx,
        "pie": view.type == "DYN" and linking in ("static-pie", "pie-with-interpreter", "dynamic"),
        "symtab": symtab_bytes > 0,
        "dwarf": dwarf_bytes > 0,
    }


def gostatic_fields(elf):
    """The same fields from gostatic's `files[].elf`."""
    fields = {name: elf[name] for name in (
        "linking", "interpreter", "needed", "soname", "entry", "relro", "bind_now", "gnu_stack", "nx", "pie",
    )}
    fields["symtab"] = elf["symtab_bytes"] > 0
    fields["dwarf"] = elf["dwarf_bytes"] > 0
    return fields


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
        theirs = dict(zip(elves, pool.map(read_with_readelf, elves)))

    disagreements = []
    identical = 0
    for path in elves:
        mine, view = ours.get(path), theirs[path]
        if mine is None or view is None:
            if mine is None and view is None:
                identical += 1  # both refuse it
            elif mine is None:
                disagreements.append((path, "readable", our_errors.get(path, "not reported"), "readelf parsed it"))
            else:
                disagreements.append((path, "readable", "gostatic parsed it", "readelf could not"))
            continue
        ours_by_field, theirs_by_field = gostatic_fields(mine), derive(view)
        bad = [
            (path, name, ours_by_field[name], theirs_by_field[name])
            for name in theirs_by_field
            if ours_by_field[name] != theirs_by_field[name]
        ]
        disagreements.extend(bad)
        identical += not bad
    for path in sorted(set(ours) - set(elves)):
        disagreements.append((path, "reported", "gostatic reported it", "not an ELF file to the script"))

    for path, name, mine, other in disagreements:
        if name == "linking" and other is None:
            other = "(no class: docs/json.md defines none for this file)"
        print(f"{path}: {name}: gostatic={mine!r} readelf={other!r}")
    print(f"agreement: {identical}/{len(elves)} files identical on all fields ({len(disagreements)} disagreements)")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()

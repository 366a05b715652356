#!/usr/bin/env python3
"""Validate CycloneDX JSON documents against the official CycloneDX 1.6 JSON schema.

Uses cyclonedx-python-lib's strict JSON validator (PyPI:
`pip install 'cyclonedx-python-lib[json-validation]'`), which carries the schema and the
SPDX and JSF schemas it references, so no network is needed. Prints one line per file and
every validation error; exits 1 if any file is invalid, 3 if the library is missing.

    python3 scripts/validate-cyclonedx.py BOM.json...
"""

import sys

try:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
except ImportError as error:  # pragma: no cover - depends on the environment
    print(f"cyclonedx-python-lib is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    failed = False
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        errors = validator.validate_str(text, all_errors=True)
        if errors:
            failed = True
            print(f"{path}: INVALID")
            for error in errors:
                # error.data is the jsonschema error: its one-line message and where it is.
                detail = getattr(error, "data", None)
                message = getattr(detail, "message", None) or str(error).splitlines()[0]
                where = "/".join(str(p) for p in getattr(detail, "absolute_path", []))
                print(f"  {where or '(document)'}: {message}")
        else:
            print(f"{path}: valid CycloneDX 1.6")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Validate keyward JSON plans (`keyward plan --format json`, `keyward show --format json`)
against schemas/plan.schema.json with the jsonschema package (Debian: python3-jsonschema).

Usage: validate-plan-json.py FILE... ('-' reads standard input). Exit 0 when every file is valid,
1 otherwise, with one line per problem: FILE: at /json/pointer: message.
"""
import json
import pathlib
import sys

import jsonschema

SCHEMA = pathlib.Path(__file__).resolve().parent.parent / "schemas" / "plan.schema.json"


def main(paths):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    ok = True
    for path in paths or ["-"]:
        try:
            text = sys.stdin.read() if path == "-" else pathlib.Path(path).read_text()
            document = json.loads(text)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read JSON: {error}")
            ok = False
            continue
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: at {pointer}: {error.message}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Validate keyward JSON documents against the schemas under schemas/ with the jsonschema
package (Debian: python3-jsonschema): plans (`keyward plan --format json`, `keyward show --format
json`) against plan.schema.json, and with `--schema audit` audit reports (`keyward audit --format
json`) against audit.schema.json. References between the schema files resolve locally.

Usage: validate-plan-json.py [--schema plan|audit] FILE... ('-' reads standard input). Exit 0 when
every file is valid, 1 otherwise, with one line per problem: FILE: at /json/pointer: message.
"""
import json
import pathlib
import sys
import warnings

import jsonschema

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "schemas"


def make_validator(name):
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    # Every schema by its $id, so "plan.schema.json#/..." never leaves the repository. RefResolver
    # works on Debian 12's jsonschema 4.10 and newer ones (where it is deprecated, not gone).
    store = {}
    for path in SCHEMAS.glob("*.schema.json"):
        document = json.loads(path.read_text())
        store[document.get("$id", path.name)] = document
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft7Validator(schema, resolver=resolver)


def main(args):
    name = "plan"
    if len(args) >= 2 and args[0] == "--schema":
        name, args = args[1], args[2:]
    validator = make_validator(name)
    ok = True
    for path in args or ["-"]:
        try:
            text = sys.stdin.read() if path == "-" else pathlib.Path(path).read_text()
            document = json.loads(text)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read JSON: {error}")
            ok = False
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: at {pointer}: {error.message}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Validate SARIF files (keyward's `--sarif FILE`) with Microsoft's SARIF validator.

Two independent checks, both from Microsoft's package `@microsoft/sarif-multitool` (pinned in
tests/sarif/package-lock.json; installed here with `npm ci` when missing or when the lock
changed):
  1. `Sarif.Multitool validate`: the SARIF SDK's own validation rules (SARIF1xxx errors,
     SARIF2xxx warnings and notes). Any error or warning fails, except the one warning listed in
     ACCEPTED_WARNINGS with its reason; notes are printed.
  2. The SARIF 2.1.0 JSON Schema shipped in the same package, checked with Python's jsonschema,
     because the multitool does not report every schema violation (an unknown enum value, for
     one, makes it skip the file silently).

Usage: validate-sarif.py FILE...  Exit 0 when every file is valid, 1 otherwise, one line per
problem. validate-sarif.py --install only installs (scripts/test.sh does, before the tests run).
Needs node and npm (for the install) and python3-jsonschema.
"""
import fcntl
import hashlib
import json
import os
import pathlib
import stat
import subprocess
import sys
import tempfile

import jsonschema

# Warnings accepted, by the validator's message id, each for a stated reason. Nothing else is.
ACCEPTED_WARNINGS = {
    # SARIF2005 asks for tool.driver.informationUri, a page about the tool. keyward has no public
    # homepage to name, and inventing one would send people to a page that does not exist.
    # (SARIF2005's other message, Warning_ProvideToolVersion, is not accepted.)
    "Warning_ProvideToolnformationUri",
}

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "tests" / "sarif"
TOOL_DIR = PACKAGE_DIR / "node_modules" / "@microsoft" / "sarif-multitool-linux"
STAMP = PACKAGE_DIR / "node_modules" / ".keyward-lock-sha256"


def ensure_installed():
    """npm ci, once per lock file content, serialized between concurrent test processes."""
    lock = (PACKAGE_DIR / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    with open(PACKAGE_DIR / ".npm-ci.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (STAMP.exists() and STAMP.read_text() == digest and (TOOL_DIR / "Sarif.Multitool").exists()):
            print("validate-sarif: npm ci in tests/sarif", file=sys.stderr)
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PACKAGE_DIR, check=True,
                           stdout=sys.stderr)
            STAMP.write_text(digest)
    tool = TOOL_DIR / "Sarif.Multitool"
    # The package's postinstall only sets this bit, and npm may skip install scripts.
    mode = tool.stat().st_mode
    if not mode & stat.S_IXUSR:
        tool.chmod(mode | stat.S_IXUSR)
    return tool


def multitool_problems(tool, path):
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        report = pathlib.Path(scratch) / "report.sarif"
        run = subprocess.run(
            [str(tool), "validate", str(path), "--output", str(report), "--log", "ForceOverwrite",
             "--level", "Error;Warning;Note", "--kind", "Fail"],
            capture_output=True, text=True,
            # .NET wants a writable home for its caches; a test sandbox may not have one.
            env={**os.environ, "DOTNET_CLI_HOME": scratch, "HOME": os.environ.get("HOME", scratch)},
        )
        if run.returncode != 0 or not report.exists():
            return [f"{path}: the SARIF validator failed (exit {run.returncode}): "
                    f"{run.stdout.strip()} {run.stderr.strip()}"]
        results = json.loads(report.read_text())["runs"][0].get("results", [])
        for result in results:
            level = result.get("level", "warning")
            message = result.get("message", {})
            text = message.get("text") or " ".join([message.get("id", "")] + message.get("arguments", []))
            line = f"{path}: {level} {result.get('ruleId')}: {text}"
            if level == "warning" and message.get("id") in ACCEPTED_WARNINGS:
                print(f"{line} (accepted, see ACCEPTED_WARNINGS)", file=sys.stderr)
            elif level in ("error", "warning"):
                problems.append(line)
            else:
                print(line, file=sys.stderr)
    return problems


def schema_problems(path, validator):
    try:
        document = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError) as error:
        return [f"{path}: cannot read JSON: {error}"]
    return [f"{path}: schema: at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))]


def main(paths):
    if not paths:
        print(__doc__)
        return 1
    tool = ensure_installed()
    if paths == ["--install"]:
        return 0
    schema = json.loads((TOOL_DIR / "sarif-2.1.0.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for path in paths:
        problems += schema_problems(path, validator)
        problems += multitool_problems(tool, path)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

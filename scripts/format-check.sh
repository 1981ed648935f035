#!/usr/bin/env bash
# Checks that every C++ file git tracks is formatted by the repository's .clang-format, with the
# clang-format of Debian 12 (version 14: another version formats some constructs differently).
# Exits 1 and lists the files when any is not; `clang-format-14 -i FILE` formats one.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"
format=clang-format-14
command -v "$format" >/dev/null || { echo "$format is missing: run scripts/install-deps.sh"; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h')
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if ! "$format" --dry-run --Werror "${files[@]}" 2>"$report"; then
  grep -o '^[^:]*\.\(cc\|h\)' "$report" | sort -u | sed 's/^/not formatted: /'
  echo "run: $format -i FILE... (the repository's .clang-format)"
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"

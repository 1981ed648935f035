#!/usr/bin/env bash
# A longer fuzzing campaign of one target (docs/reliability.md "Sanitizers and fuzzing"):
#
#   scripts/fuzz.sh TARGET MINUTES [libFuzzer flags...]
#   scripts/fuzz.sh manifest_fuzz 10
#   scripts/fuzz.sh list            # the targets
#
# Builds the sanitizer build (build-asan/) if needed, then runs TARGET for MINUTES on its
# checked-in seeds (tests/fuzz/corpus/TARGET) plus the working corpus build-asan/fuzz-corpus/TARGET,
# which grows from run to run. Any crash, sanitizer report, leak, timeout (60 s for one input) or
# out-of-memory stops it with a non-zero status and the input saved in build-asan/fuzz-artifacts/;
# reproduce with `build-asan/fuzz/TARGET FILE`. The last lines are libFuzzer's totals
# (stat::number_of_executed_units, stat::peak_rss_mb; "cov:" and "ft:" on the DONE line).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"

targets() { find tests/fuzz -maxdepth 1 -name '*_fuzz.cc' -printf '%f\n' | sed 's/\.cc$//' | sort; }
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET MINUTES [libFuzzer flags...]; targets:"; targets; exit 2
fi
target=$1 minutes=$2; shift 2
targets | grep -qx "$target" || { echo "unknown target '$target'; targets:"; targets; exit 2; }
[[ "$minutes" =~ ^[0-9]+$ ]] && [ "$minutes" -gt 0 ] || { echo "MINUTES must be a positive integer"; exit 2; }

sanitizer_env
build_sanitized --target "$target"
step "Fuzzing $target for $minutes min (jobs: 1; -fork is not used, so the totals are one process')"
run_fuzzer "$target" "$(( minutes * 60 ))" "$@"

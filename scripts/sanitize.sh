#!/usr/bin/env bash
# The sanitizer run (docs/reliability.md "Sanitizers and fuzzing"): builds keyward with clang-16,
# AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer (no recovery: the first report
# fails) into build-asan/, runs the CTest suite there, then a short run of every libFuzzer target
# on its checked-in seeds. Exits non-zero on any failure, sanitizer report or fuzzer finding.
#
#   scripts/sanitize.sh                  # build, whole CTest suite, 20 s per fuzz target
#   KEYWARD_FUZZ_SMOKE_SECONDS=60 scripts/sanitize.sh
#   KEYWARD_SANITIZE_CTEST_ARGS="-L unit" scripts/sanitize.sh   # a subset of the suite
#
# scripts/test.sh calls it (KEYWARD_SKIP_SANITIZE=1 skips it there); scripts/fuzz.sh runs one
# target for longer.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"
sanitizer_env

build_sanitized

step "CTest suite under ASan + LSan + UBSan (${ASAN_BUILD_DIR#$KEYWARD_ROOT/}) ${KEYWARD_SANITIZE_CTEST_ARGS:-}"
# shellcheck disable=SC2086  # the extra arguments are words on purpose
ctest --test-dir "$ASAN_BUILD_DIR" -j"$(( $(nproc) * 2 ))" --output-on-failure --timeout 600 \
  ${KEYWARD_SANITIZE_CTEST_ARGS:-}

seconds="${KEYWARD_FUZZ_SMOKE_SECONDS:-20}"
for source in tests/fuzz/*_fuzz.cc; do
  target=$(basename "$source" .cc)
  step "Fuzz smoke: $target for ${seconds} s (seeds: tests/fuzz/corpus/$target)"
  log="$ASAN_BUILD_DIR/fuzz-artifacts/$target-smoke.log"
  mkdir -p "$(dirname "$log")"
  if run_fuzzer "$target" "$seconds" >"$log" 2>&1; then
    grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
  else
    tail -n 60 "$log"
    echo "fuzz target $target failed: the input is in ${ASAN_BUILD_DIR#$KEYWARD_ROOT/}/fuzz-artifacts/"
    exit 1
  fi
done

step "Sanitizer run passed"

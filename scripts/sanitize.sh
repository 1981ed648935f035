#!/usr/bin/env bash
# The sanitizer run (docs/reliability.md "Sanitizers and fuzzing"): builds keyward with clang-16,
# AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer (no recovery: the first report
# fails) into build-asan/, runs CTest there, then a short run of every libFuzzer target on its
# checked-in seeds. Exits non-zero on any failure, sanitizer report or fuzzer finding.
#
#   scripts/sanitize.sh                  # everything: the whole CTest suite under the sanitizers
#   KEYWARD_SANITIZE_SCOPE=unit scripts/sanitize.sh
#                                        # only the unit tests (label `unit`: engine_test,
#                                        # azure_test, cli_test, checks), building only those
#   KEYWARD_FUZZ_SMOKE_SECONDS=60 scripts/sanitize.sh     # default 20 s per fuzz target
#
# scripts/test.sh runs the unit scope (the README says why and how long each takes);
# KEYWARD_SKIP_SANITIZE=1 skips it there. scripts/fuzz.sh runs one target for longer.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"
sanitizer_env

scope="${KEYWARD_SANITIZE_SCOPE:-full}"
fuzz_targets=()
for source in tests/fuzz/*_fuzz.cc; do fuzz_targets+=("$(basename "$source" .cc)"); done
case "$scope" in
  full)
    build_sanitized
    ctest_args=() ;;
  unit)
    build_sanitized $(printf -- '--target %s ' engine_test azure_test cli_test "${fuzz_targets[@]}")
    ctest_args=(-L unit) ;;
  *) echo "KEYWARD_SANITIZE_SCOPE must be full or unit"; exit 2 ;;
esac

step "CTest under ASan + LSan + UBSan (${ASAN_BUILD_DIR#$KEYWARD_ROOT/}, scope: $scope)"
ctest --test-dir "$ASAN_BUILD_DIR" -j"$(( $(nproc) * 2 ))" --output-on-failure --timeout 600 \
  "${ctest_args[@]+"${ctest_args[@]}"}"

seconds="${KEYWARD_FUZZ_SMOKE_SECONDS:-20}"
for target in "${fuzz_targets[@]}"; do
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

#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian 12, as root), builds once, and runs
# the whole suite — unit, emulator-backed integration and end-to-end tests (CTest, in parallel;
# the guardrails tests check SARIF with Microsoft's validator, installed first), then the
# conformance suite with the official Azure SDK for JavaScript, a smoke run of the fault and
# crash campaigns (scripts/campaign-*.sh), the sanitizer run (a clang-16 ASan + UBSan + libFuzzer
# build with the unit tests under the sanitizers and a short run of every fuzz target:
# scripts/sanitize.sh; KEYWARD_SKIP_SANITIZE=1 skips it), then the container test
# (docker/Dockerfile built and run with podman: scripts/container-test.sh). Exits non-zero on any
# failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"

step "Installing dependencies"
bash scripts/install-deps.sh

step "Formatting: every C++ file as .clang-format says (clang-format-14, scripts/format-check.sh)"
bash scripts/format-check.sh

step "Shape: no non-test function over 80 lines (scripts/long-functions.py, issue #13)"
python3 scripts/long-functions.py

build_keyward

step "Microsoft's SARIF validator (npm ci in tests/sarif, pinned by its package-lock.json)"
python3 scripts/validate-sarif.py --install

step "Unit, emulator and end-to-end tests (ctest -j$(( $(nproc) * 2 )): most tests wait on the emulator, not the CPU)"
ctest --test-dir "$BUILD_DIR" -j"$(( $(nproc) * 2 ))" --output-on-failure --timeout 300

step "Conformance: official @azure/arm-keyvault SDK and Microsoft's examples against the emulator"
KEYWARD_EMULATOR_BIN="$BUILD_DIR/bin/keyward-arm-emulator" bash tests/conformance/run.sh

step "Fleet benchmark smoke: 50 resources, keyward and the JS SDK peer (docs/benchmarks.md)"
bash scripts/bench.sh --resources 50
step "Fault and crash campaign smoke: 3 seeds under injected faults, 2 kill -9 mid-apply (docs/reliability.md)"
# A seed needs more than three applies about twice in a hundred (the same vault failing to
# provision again and again): the smoke allows five, so it does not fail by chance.
bash scripts/campaign-faults.sh --seeds 3 --within 5
bash scripts/campaign-kill.sh --iterations 2

if [ "${KEYWARD_SKIP_SANITIZE:-0}" = 1 ]; then
  step "Sanitizers and fuzz smoke: skipped (KEYWARD_SKIP_SANITIZE=1)"
else
  # The unit tests only (their own build of the libraries and tests they need): the whole suite
  # under the sanitizers takes about 37 minutes more here, which would put CI past its 60 minutes
  # on 2 cores (README, "How long"); `bash scripts/sanitize.sh` runs it.
  KEYWARD_SANITIZE_SCOPE=unit bash scripts/sanitize.sh
fi

step "Container: docker/Dockerfile built and run with podman (compose services, k8s security context)"
bash scripts/container-test.sh

step "All tests passed"

#!/usr/bin/env bash
# Runs the conformance suite (smoke + examples replay). See README.md.
# Env: KEYWARD_EMULATOR_BIN (default <repo>/build/bin/keyward-arm-emulator), KEYWARD_ARM_SPEC_DIR,
# KEYWARD_EXAMPLES_ALLOW_FAIL=1 (report example failures without failing).
set -euo pipefail
cd "$(dirname "$0")"
exec node run.mjs "$@"

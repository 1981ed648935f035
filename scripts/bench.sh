#!/usr/bin/env bash
# The fleet benchmark (docs/benchmarks.md): generates an estate of N resources, applies it to a
# fresh emulator, then measures in one run keyward's no-change plan (cold and warm) and a
# per-resource peer written with the official JS SDK, against the emulator with throttling on and
# a per-request latency, then the daemon's reads per loop (its steady state), and prints the
# tables.
#
#   scripts/bench.sh [--resources N] [--latency-ms MS] [--parallelism P] [--dir DIR] [--skip-peer]
#
# --skip-peer leaves the peer out (at 10,000 resources it alone reads for about 7 minutes).
# Defaults: 3001 resources (1 resource group, 250 vaults, 1,000 access policies, 750 keys, 1,000
# secrets), 20 ms, peer parallelism 10, a temporary directory (kept with --dir). Builds keyward and
# the emulator if they are missing; KEYWARD_BUILD_DIR picks the build directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"

resources=3001 latency_ms=20 parallelism=10 dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --resources) resources=$2; shift 2 ;;
    --latency-ms) latency_ms=$2; shift 2 ;;
    --parallelism) parallelism=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --skip-peer) export BENCH_SKIP_PEER=1; shift ;;
    *) echo "usage: scripts/bench.sh [--resources N] [--latency-ms MS] [--parallelism P] [--dir DIR] [--skip-peer]" >&2
       exit 2 ;;
  esac
done

if [ ! -x "$BUILD_DIR/bin/keyward" ] || [ ! -x "$BUILD_DIR/bin/keyward-arm-emulator" ]; then
  build_keyward keyward keyward-arm-emulator
fi
if [ ! -d tests/conformance/node_modules/@azure/arm-keyvault ]; then
  step "npm ci (tests/conformance: the official Azure SDK for JavaScript)"
  (cd tests/conformance && npm ci --no-audit --no-fund >/dev/null)
fi

work_dir "$dir" keyward-bench
dir=$WORK_DIR

# A throwaway principal and secrets: the emulator is fresh and local.
export AZURE_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47
export AZURE_CLIENT_ID=1e7f3a5c-9b2d-4f6e-8a0c-3d5f7b9e1a24
export AZURE_CLIENT_SECRET="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export KEYWARD_FINGERPRINT_KEY="bench-fingerprint-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export BENCH_SECRET_VALUE="bench-value-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
object_id=5a3c1e7f-2b4d-4f6a-8c0e-9d1b3f5a7c24

step "Estate of $resources resources"
python3 scripts/bench-estate.py "$resources" "$dir/manifests" "$dir/estate.json"

step "Fresh emulator (state in $dir)"
start_emulator "$dir" "$AZURE_TENANT_ID:$AZURE_CLIENT_ID:$AZURE_CLIENT_SECRET:$object_id" \
  --lro-seconds 0
export KEYWARD_ARM_ENDPOINT=$EMULATOR_ENDPOINT AZURE_AUTHORITY_HOST=$EMULATOR_ENDPOINT
export KEYWARD_CA_FILE=$dir/cert.pem KEYWARD_STATE_DIR=$dir/keyward-state
export KEYWARD_BIN=$BUILD_DIR/bin/keyward BENCH_PEER=$KEYWARD_ROOT/tests/conformance/bench/peer.mjs
export BENCH_LATENCY_MS=$latency_ms BENCH_PARALLELISM=$parallelism

step "Apply, then measure (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 scripts/bench-run.py "$dir/estate.json" "$dir/manifests"

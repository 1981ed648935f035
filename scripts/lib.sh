# Shared helpers for scripts/demo.sh and scripts/test.sh. Source it; don't run it.

KEYWARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KEYWARD_BUILD_DIR:-$KEYWARD_ROOT/build}"

# Each step says when it started, so a log shows how long each part of the suite took.
step() { printf '\n\033[1m==> [%s] %s\033[0m\n' "$(date +%T)" "$*"; }

# Configures and builds everything (or the targets given) with all cores.
build_keyward() {
  step "Building keyward (cmake, $(nproc) jobs) into ${BUILD_DIR#$KEYWARD_ROOT/}"
  cmake -S "$KEYWARD_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  if [ $# -gt 0 ]; then
    local targets=(); for t in "$@"; do targets+=(--target "$t"); done
    cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
  else
    cmake --build "$BUILD_DIR" -j"$(nproc)"
  fi
}

# gen_cert DIR: a self-signed certificate for localhost / 127.0.0.1 (DIR/cert.pem, DIR/key.pem).
gen_cert() {
  local dir=$1
  mkdir -p "$dir"
  [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  chmod 600 "$dir/key.pem"
}

# start_emulator DIR PRINCIPAL [extra args...]: starts keyward-arm-emulator on a free loopback
# port with its SQLite state in DIR; sets EMULATOR_PID and EMULATOR_ENDPOINT.
start_emulator() {
  local dir=$1 principal=$2; shift 2
  gen_cert "$dir"
  "$BUILD_DIR/bin/keyward-arm-emulator" --listen 127.0.0.1:0 \
    --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" --state "$dir/state.db" \
    --principal "$principal" "$@" >"$dir/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  local i
  for i in $(seq 1 100); do
    EMULATOR_ENDPOINT=$(grep -o 'https://[0-9.:]*' "$dir/emulator.log" | head -1 || true)
    if [ -n "$EMULATOR_ENDPOINT" ] &&
       curl -sf --cacert "$dir/cert.pem" "$EMULATOR_ENDPOINT/_emulator/health" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$dir/emulator.log"; return 1; }
    sleep 0.1
  done
  echo "emulator did not become healthy; log:"; cat "$dir/emulator.log"; return 1
}

stop_emulator() {
  [ -n "${EMULATOR_PID:-}" ] || return 0
  kill -TERM "$EMULATOR_PID" 2>/dev/null || true
  wait "$EMULATOR_PID" 2>/dev/null || true
  EMULATOR_PID=
}

# The sanitizer build (scripts/sanitize.sh, scripts/fuzz.sh): clang-16 with AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer's coverage, in its own build dir. One build serves both
# the CTest suite under the sanitizers and the fuzz targets (build-asan/fuzz/*_fuzz).
ASAN_BUILD_DIR="${KEYWARD_ASAN_BUILD_DIR:-$KEYWARD_ROOT/build-asan}"
FUZZ_SEEDS="$KEYWARD_ROOT/tests/fuzz/corpus"

# sanitizer_env: every finding stops the process with a non-zero status; leaks are findings too
# (LeakSanitizer; tests/fuzz/lsan.supp lists leaks of Debian's libraries, not ours).
# work_dir DIR PREFIX: DIR emptied, or a new temporary directory when DIR is empty, and
# stops the emulator on exit (removing the temporary directory too). Call it without $(...):
# the EXIT trap must be set in the calling shell. The result is in $WORK_DIR.
work_dir() {
  if [ -z "$1" ]; then
    WORK_DIR=$(mktemp -d -t "$2.XXXXXX")
    trap 'stop_emulator; rm -rf "$WORK_DIR"' EXIT
  else
    WORK_DIR=$1
    rm -rf "$WORK_DIR"; mkdir -p "$WORK_DIR"
    trap stop_emulator EXIT
  fi
}

sanitizer_env() {
  export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
  export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$KEYWARD_ROOT/tests/fuzz/lsan.supp:print_suppressions=0}"
  if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    local s
    for s in llvm-symbolizer-16 llvm-symbolizer; do
      if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH="$(command -v "$s")"; break; fi
    done
  fi
}

build_sanitized() {
  step "Building the sanitizer + fuzz build (clang-16, ASan + UBSan + libFuzzer, $(nproc) jobs) into ${ASAN_BUILD_DIR#$KEYWARD_ROOT/}"
  CC=clang-16 CXX=clang++-16 cmake -S "$KEYWARD_ROOT" -B "$ASAN_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DKEYWARD_FUZZ=ON >/dev/null
  cmake --build "$ASAN_BUILD_DIR" -j"$(nproc)" "$@"
}

# run_fuzzer TARGET SECONDS [libFuzzer flags...]: runs build-asan/fuzz/TARGET for SECONDS on the
# checked-in seeds plus a working corpus kept in build-asan/fuzz-corpus/TARGET (new inputs go
# there, never into the source tree). A crash, sanitizer report, leak or timeout fails it and
# leaves the input in build-asan/fuzz-artifacts/.
run_fuzzer() {
  local target=$1 seconds=$2; shift 2
  local work="$ASAN_BUILD_DIR/fuzz-corpus/$target" artifacts="$ASAN_BUILD_DIR/fuzz-artifacts"
  mkdir -p "$work" "$artifacts"
  "$ASAN_BUILD_DIR/fuzz/$target" "$work" "$FUZZ_SEEDS/$target" \
    -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2560 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$@"
}

# campaign_main faults|kill [--dir DIR] [campaign.py options]: scripts/campaign-faults.sh and
# scripts/campaign-kill.sh. Builds keyward and the emulator if they are missing, writes the
# 50-resource estate (DIR/v1; DIR/v2 = v1 with tags, permissions and secret values changed and one
# more vault with its children), starts a fresh emulator (1-second LROs, throttling on) with its
# state in DIR, points keyward at it and runs scripts/campaign.py. Without --dir, a temporary
# directory that is removed at the end.
campaign_main() {
  local kind=$1 args=(); shift
  CAMPAIGN_DIR=
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) CAMPAIGN_DIR=$2; shift 2 ;;
      -h|--help) python3 "$KEYWARD_ROOT/scripts/campaign.py" --help; return 0 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  work_dir "$CAMPAIGN_DIR" keyward-campaign
  local dir=$WORK_DIR
  step "Campaign: $kind (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ ! -x "$BUILD_DIR/bin/keyward" ] || [ ! -x "$BUILD_DIR/bin/keyward-arm-emulator" ]; then
    build_keyward keyward keyward-arm-emulator
  fi
  python3 "$KEYWARD_ROOT/scripts/bench-estate.py" 50 "$dir/v1" "$dir/v1.json" >/dev/null
  python3 "$KEYWARD_ROOT/scripts/bench-estate.py" 62 "$dir/v2" "$dir/v2.json" >/dev/null
  sed -i -e 's/cost-center: "42"/cost-center: "43"/' \
    -e 's/secrets: \[get, list\]/secrets: [get, list, set]/' \
    -e 's/keys: \[get, wrapKey, unwrapKey\]/keys: [get, wrapKey]/' "$dir"/v2/*.yaml
  # A throwaway principal and secrets: the emulator is fresh and local.
  export AZURE_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47
  export AZURE_CLIENT_ID=1e7f3a5c-9b2d-4f6e-8a0c-3d5f7b9e1a24
  export AZURE_CLIENT_SECRET="campaign-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  export KEYWARD_FINGERPRINT_KEY="campaign-fp-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  export BENCH_SECRET_VALUE="campaign-value-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  start_emulator "$dir" "$AZURE_TENANT_ID:$AZURE_CLIENT_ID:$AZURE_CLIENT_SECRET:5a3c1e7f-2b4d-4f6a-8c0e-9d1b3f5a7c24" \
    --lro-seconds 1
  export KEYWARD_ARM_ENDPOINT=$EMULATOR_ENDPOINT AZURE_AUTHORITY_HOST=$EMULATOR_ENDPOINT
  export KEYWARD_CA_FILE=$dir/cert.pem
  # The stack lock's directory: two campaigns at once do not wait for each other's lock.
  export KEYWARD_STATE_DIR=$dir/keyward-state
  python3 "$KEYWARD_ROOT/scripts/campaign.py" "$kind" --dir "$dir" --endpoint "$EMULATOR_ENDPOINT" \
    --ca "$dir/cert.pem" --state "$dir/state.db" --keyward "$BUILD_DIR/bin/keyward" "${args[@]}"
}

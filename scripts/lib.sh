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

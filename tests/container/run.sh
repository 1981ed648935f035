#!/usr/bin/env bash
# The container test: builds docker/Dockerfile with podman exactly as a user would and runs the
# image for real (README.md beside this file says what each step proves and what it costs).
#   1. podman build -f docker/Dockerfile -t keyward:0.1.0 .   (build time and image size reported)
#   2. `keyward version` and `keyward validate /usr/share/keyward/examples/payments` as uid 10001
#      on a read-only root filesystem;
#   3. docker/compose.yaml's certs, emulator and daemon services, with the arguments, environment
#      and volumes read from that file (podman_args.py), in one pod; /healthz, /readyz, /metrics
#      and /status checked from the host; observe mode writes nothing to the emulator;
#   4. SIGTERM: the daemon exits 0 within compose's grace period (10 s);
#   5. the same daemon service with `--mode heal`, inside docker/k8s/deployment.yaml's security
#      context (uid 10001, read-only root, no capabilities, state on a tmpfs): it creates the
#      example vault, read back through the emulator's ARM API; SIGTERM exits 0 within
#      terminationGracePeriodSeconds; no secret value appears in any log.
# Needs podman and runc; scripts/container-test.sh installs them (or skips, saying why) and runs
# this. Env: KEYWARD_CONTAINER_DIR (podman storage; default <build dir>/container),
# KEYWARD_CONTAINER_KEEP=1 (leave the pod and volumes for inspection).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib.sh"

IMAGE=keyward:0.1.0
PROJECT=keyward-ctest
COMPOSE="$KEYWARD_ROOT/docker/compose.yaml"
DEPLOYMENT="$KEYWARD_ROOT/docker/k8s/deployment.yaml"
STATE="${KEYWARD_CONTAINER_DIR:-$BUILD_DIR/container}"
LOGS="$STATE/logs"
mkdir -p "$STATE" "$LOGS"
# A private store, so the test neither needs nor touches the machine's own podman images. vfs and
# runc work everywhere podman does (crun fails on hybrid cgroup hosts). Explicit ulimits: rootful
# podman asks for nofile=1048576 by default, above the hard limit of many hosts (20000 here), and
# runc then fails with "setrlimit: operation not permitted". --ulimit covers build and run; a pod's
# infra container takes no --ulimit, so the test's own containers.conf sets the same defaults.
PODMAN=(podman --root "$STATE/storage" --runroot "/run/keyward-ctest-$(id -u)"
        --tmpdir "/run/keyward-ctest-$(id -u)/libpod" --storage-driver vfs --runtime runc)
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' \
  >"$STATE/containers.conf"
export CONTAINERS_CONF="$STATE/containers.conf"
pm() { "${PODMAN[@]}" "$@"; }

FAILURES=0
PASSES=0
pass() { PASSES=$((PASSES + 1)); printf '  ok   %s\n' "$*"; }
check_failed() { FAILURES=$((FAILURES + 1)); printf '  FAIL %s\n' "$*"; }
die() { printf 'container test: %s\n' "$*" >&2; finish 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# check DESCRIPTION COMMAND...: records a pass or a failure (output shown on failure).
check() {
  local what=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$what"; else check_failed "$what"; printf '%s\n' "$out" | tail -20; fi
}

cleanup() {
  [ "${KEYWARD_CONTAINER_KEEP:-}" = 1 ] && return 0
  pm pod rm -f -t 0 "$PROJECT" >/dev/null 2>&1 || true
  pm volume rm -f "${PROJECT}_certs" "${PROJECT}_emulator-state" >/dev/null 2>&1 || true
}
finish() {
  local code=$1
  cleanup
  printf '\ncontainer: %d passed, %d failed\n' "$PASSES" "$FAILURES"
  [ "$code" = 0 ] && [ "$FAILURES" = 0 ] && exit 0
  exit 1
}
trap 'cleanup' EXIT

# ---- base images --------------------------------------------------------------------------------
# The Dockerfile starts FROM debian:12 and debian:12-slim. Where a registry answers they are
# pulled; where none does (this project's CI machines), one Debian bookworm root filesystem is
# made from Debian's own packages with mmdebstrap and imported under both names — configured like
# the official slim image (no documentation, man pages or translations; dpkg's unsafe-io).
base_images() {
  local missing=()
  for tag in 12 12-slim; do
    pm image exists "docker.io/library/debian:$tag" || missing+=("$tag")
  done
  [ ${#missing[@]} -eq 0 ] && { echo "debian:12 and debian:12-slim: present"; return 0; }
  for tag in "${missing[@]}"; do
    if timeout 180 "${PODMAN[@]}" pull -q "docker.io/library/debian:$tag" >"$LOGS/pull.log" 2>&1; then
      echo "pulled debian:$tag"
    else
      echo "cannot pull debian:$tag: $(tail -1 "$LOGS/pull.log")"
      make_base_image "docker.io/library/debian:$tag"
    fi
  done
}

make_base_image() {
  local ref=$1 tar="$STATE/debian-bookworm-minbase.tar" start
  if [ ! -s "$tar" ]; then
    command -v mmdebstrap >/dev/null || die "no registry and no mmdebstrap: cannot make $ref"
    start=$(now)
    mmdebstrap --variant=minbase --format=tar --quiet \
      --dpkgopt='force-unsafe-io' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      --aptopt='Acquire::Languages "none"' \
      bookworm "$tar.tmp" \
      "deb http://deb.debian.org/debian bookworm main" \
      "deb http://deb.debian.org/debian bookworm-updates main" \
      "deb http://deb.debian.org/debian-security bookworm-security main" >"$LOGS/mmdebstrap.log" 2>&1 ||
      { tail -20 "$LOGS/mmdebstrap.log"; die "mmdebstrap failed"; }
    mv "$tar.tmp" "$tar"
    echo "made a Debian bookworm minbase root filesystem with mmdebstrap in $(since "$start") s"
  fi
  pm import -q --change 'CMD ["bash"]' "$tar" "$ref" >/dev/null || die "podman import $tar failed"
  echo "imported it as $ref"
}

# ---- helpers for the running services -----------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# read_args ARRAY COMMAND...: the NUL-separated arguments COMMAND prints, into ARRAY.
read_args() {
  local name=$1 file="$STATE/args"
  shift
  "$@" >"$file" || die "cannot read podman arguments: $*"
  mapfile -d '' "$name" <"$file"
}
service_args() { read_args ARGS python3 "$HERE/podman_args.py" service "$COMPOSE" "$1" "$PROJECT"; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
  local what=$1 seconds=$2 start
  shift 2
  start=$(now)
  while ! "$@" >/dev/null 2>&1; do
    if awk -v a="$start" -v b="$(now)" -v s="$seconds" 'BEGIN { exit !(b - a > s) }'; then
      return 1
    fi
    sleep 0.5
  done
  echo "  ..   $what after $(since "$start") s"
}

daemon_get() { curl -sf --max-time 5 "http://127.0.0.1:$DAEMON_PORT$1"; }
emulator_get() { curl -sf --max-time 5 --cacert "$STATE/cert.pem" "https://127.0.0.1:$EMULATOR_PORT$1"; }
status_has() { daemon_get /status | jq -e "$1"; }

# stop_with_sigterm CONTAINER GRACE: podman stop sends SIGTERM and would SIGKILL after GRACE
# seconds; the container must exit by itself, with status 0, before that.
stop_with_sigterm() {
  local name=$1 grace=$2 start code took
  start=$(now)
  pm stop -t "$grace" "$name" >/dev/null
  took=$(since "$start")
  code=$(pm inspect "$name" --format '{{.State.ExitCode}}')
  if [ "$code" = 0 ] && awk -v t="$took" -v g="$grace" 'BEGIN { exit !(t < g) }'; then
    pass "$name: SIGTERM -> exit 0 in $took s (grace period $grace s)"
  else
    check_failed "$name: SIGTERM -> exit $code after $took s (grace period $grace s)"
    pm logs --tail 20 "$name" 2>&1 || true
  fi
}

# arm_get PATH: GET on the emulator's ARM API with a token of compose's service principal.
arm_get() {
  local token
  token=$(curl -sf --max-time 10 --cacert "$STATE/cert.pem" \
            "https://127.0.0.1:$EMULATOR_PORT/$TENANT/oauth2/v2.0/token" \
            -d grant_type=client_credentials -d "client_id=$CLIENT" \
            --data-urlencode "client_secret=$SECRET" \
            --data-urlencode "scope=https://management.azure.com/.default" | jq -r .access_token)
  curl -s --max-time 10 --cacert "$STATE/cert.pem" -H "Authorization: Bearer $token" \
    -w '\n%{http_code}' "https://127.0.0.1:$EMULATOR_PORT$1"
}

# =================================================================================================
cd "$KEYWARD_ROOT"
step "Container: podman $(podman version --format '{{.Client.Version}}'), runc, vfs storage in ${STATE#$KEYWARD_ROOT/}"
base_images

step "1. podman build -f docker/Dockerfile -t $IMAGE .  (compiles keyward inside the image)"
start=$(now)
set +e
pm build "${ULIMITS[@]}" -f docker/Dockerfile -t "$IMAGE" . 2>&1 | tee "$LOGS/build.log" |
  grep --line-buffered -E '^(\[[0-9]/[0-9]] )?(STEP [0-9]+/[0-9]+|COMMIT)|^\[ *[0-9]+%\] Built target|^--> Using cache' |
  while IFS= read -r line; do printf '  %6.1fs %s\n' "$(since "$start")" "$line"; done
build_status=${PIPESTATUS[0]}
set -e
[ "$build_status" = 0 ] || { tail -40 "$LOGS/build.log"; die "podman build failed (log: $LOGS/build.log)"; }
BUILD_SECONDS=$(since "$start")
SIZE=$(pm image inspect "$IMAGE" --format '{{.Size}}')
pass "built $IMAGE in $BUILD_SECONDS s; image size $(awk -v s="$SIZE" 'BEGIN { printf "%.1f MB", s / 1e6 }')"

step "2. The CLI as uid 10001 on a read-only root filesystem"
# --read-only-tmpfs=false: not even /tmp or /run is writable.
RO=(--rm "${ULIMITS[@]}" --user 10001:10001 --read-only --read-only-tmpfs=false --network none)
out=$(pm run --rm "${ULIMITS[@]}" --entrypoint id "$IMAGE" -u 2>&1) && [ "$out" = 10001 ] &&
  pass "the image runs as uid 10001 by default" || check_failed "default user: id -u says $out"
out=$(pm run "${RO[@]}" "$IMAGE" version 2>&1) && [[ "$out" == *"keyward 0.1.0"* ]] &&
  pass "keyward version: $out" || check_failed "keyward version: $out"
out=$(pm run "${RO[@]}" "$IMAGE" validate /usr/share/keyward/examples/payments 2>&1) &&
  pass "keyward validate /usr/share/keyward/examples/payments" ||
  { check_failed "keyward validate /usr/share/keyward/examples/payments"; printf '%s\n' "$out"; }

step "3. docker/compose.yaml's services in a pod: certs, emulator, daemon (observe mode)"
cleanup
EMULATOR_PORT=$(free_port)
DAEMON_PORT=$(free_port)
# Compose gives each service a host name on the project network; in a pod the services share one
# network namespace, so the emulator's name points at the pod's loopback. Ports are published on
# the host's loopback only.
ports=()
for port in $(python3 "$HERE/podman_args.py" ports "$COMPOSE"); do
  case $port in
    8443) ports+=(-p "127.0.0.1:$EMULATOR_PORT:$port") ;;
    9464) ports+=(-p "127.0.0.1:$DAEMON_PORT:$port") ;;
    *) die "compose publishes port $port, which this test does not know" ;;
  esac
done
pm pod create --name "$PROJECT" --add-host emulator:127.0.0.1 "${ports[@]}" >/dev/null
pm volume create "${PROJECT}_certs" >/dev/null
pm volume create "${PROJECT}_emulator-state" >/dev/null
# The daemon's secret sources and fingerprint key (compose requires them from the environment).
export KEYWARD_FINGERPRINT_KEY="ctest-fingerprint-$(openssl rand -hex 16)"
export PAYMENTS_DB_PASSWORD="ctest-db-password-$(openssl rand -hex 12)"
export PAYMENTS_AUDIT_WEBHOOK_TOKEN="ctest-webhook-token-$(openssl rand -hex 12)"

service_args certs
pm run --name "$PROJECT-certs" --pod "$PROJECT" "${ULIMITS[@]}" "${ARGS[@]}" >"$LOGS/certs.log" 2>&1 &&
  pass "certs: the one-shot service made the emulator's certificate in the certs volume" ||
  { check_failed "certs service"; cat "$LOGS/certs.log"; die "no certificate"; }
pm run --rm -v "${PROJECT}_certs:/certs:ro" "${ULIMITS[@]}" --entrypoint cat "$IMAGE" /certs/cert.pem \
  >"$STATE/cert.pem"

service_args emulator
pm run -d --name "$PROJECT-emulator" --pod "$PROJECT" "${ULIMITS[@]}" "${ARGS[@]}" >/dev/null
# compose's principal: tenant, client id and secret, as the emulator was told.
principal=$(printf '%s\n' "${ARGS[@]}" | grep -A1 -x -- --principal | tail -1)
TENANT=${principal%%:*}; rest=${principal#*:}
CLIENT=${rest%%:*}; rest=${rest#*:}
SECRET=${rest%:*}  # TENANT:CLIENT:SECRET:OBJECT_ID, and the secret may contain ':'
wait_for "emulator healthy over HTTPS from the host (certificate of the certs service)" 60 \
  emulator_get /_emulator/health ||
  { pm logs "$PROJECT-emulator" 2>&1 | tail -20; die "the emulator did not come up"; }

service_args daemon
pm run -d --name "$PROJECT-daemon" --pod "$PROJECT" "${ULIMITS[@]}" "${ARGS[@]}" >/dev/null
check "daemon /healthz answers 200 from the host" wait_for "/healthz" 60 daemon_get /healthz
check "daemon /readyz answers 200 after its first loop" wait_for "/readyz" 120 daemon_get /readyz
check "daemon /status: observe mode, ready, a successful loop that found the example's changes" \
  status_has '.mode == "observe" and .ready == true and .error == null and .summary.add > 0
              and (.drift | map(.address) | index("Vault/payments-kv")) != null
              and (.changes | length) == 0'
check "daemon /metrics: Prometheus text with keyward_ready 1 and a successful loop" bash -c \
  "curl -sf http://127.0.0.1:$DAEMON_PORT/metrics | grep -qx 'keyward_ready 1' &&
   curl -sf http://127.0.0.1:$DAEMON_PORT/metrics | grep -q '^keyward_reconcile_loops_total{result=\"success\"} [1-9]'"
VAULT="/subscriptions/6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/payments-kv?api-version=2024-11-01"
check "observe mode wrote nothing: the emulator has no payments-kv" \
  bash -c "[ \"\$(tail -1 <<<\"\$1\")\" = 404 ]" _ "$(arm_get "$VAULT")"

step "4. SIGTERM to the observe daemon (compose's default grace period: 10 s)"
stop_with_sigterm "$PROJECT-daemon" 10
pm logs "$PROJECT-daemon" >"$LOGS/daemon-observe.log" 2>&1 || true
pm rm "$PROJECT-daemon" >/dev/null

step "5. The daemon in heal mode, in docker/k8s/deployment.yaml's security context"
read_args K8S python3 "$HERE/podman_args.py" k8s "$DEPLOYMENT"
grace=$(printf '%s\n' "${K8S[@]}" | grep -A1 -x -- --stop-timeout | tail -1)
echo "  ..   ${K8S[*]}"
service_args daemon
pm run -d --name "$PROJECT-daemon" --pod "$PROJECT" "${ULIMITS[@]}" "${K8S[@]}" "${ARGS[@]}" \
  --mode heal >/dev/null
check "heal daemon ready" wait_for "/readyz (heal)" 180 daemon_get /readyz
check "heal: the loop created Vault/payments-kv" wait_for "Vault/payments-kv created" 180 \
  status_has '.mode == "heal" and (.changes | map(select(.address == "Vault/payments-kv"
              and .action == "create" and .status == "succeeded")) | length) == 1'
vault=$(arm_get "$VAULT")
check "the emulator's ARM API has payments-kv, provisioned, tagged keyward-stack: payments" \
  jq -e '.properties.provisioningState == "Succeeded" and .tags["keyward-stack"] == "payments"
         and .properties.sku.name == "premium"' <<<"$(sed '$d' <<<"$vault")"
daemon_get /status >"$LOGS/status-heal.json" || true
echo "  ..   daemon memory after its heal loop: $(pm stats --no-stream --format '{{.MemUsage}}' "$PROJECT-daemon" 2>&1)"
stop_with_sigterm "$PROJECT-daemon" "$grace"
stop_with_sigterm "$PROJECT-emulator" 10
for name in daemon emulator; do pm logs "$PROJECT-$name" >"$LOGS/$name.log" 2>&1 || true; done
leaks=$(grep -l -F -e "$PAYMENTS_DB_PASSWORD" -e "$PAYMENTS_AUDIT_WEBHOOK_TOKEN" \
          -e "$KEYWARD_FINGERPRINT_KEY" "$LOGS"/*.log "$LOGS"/*.json 2>/dev/null || true)
[ -z "$leaks" ] && pass "no secret value or fingerprint key in any log or status" ||
  check_failed "secret values found in: $leaks"

finish 0

#!/usr/bin/env bash
# Installs exactly the Debian 12 packages keyward needs to build, test and run its demo.
# Idempotent: packages already present are not reinstalled; apt-get update runs only when needed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates openssl
  libssl-dev libsqlite3-dev sqlite3
  libyaml-cpp-dev nlohmann-json3-dev libexpected-dev libspdlog-dev libfmt-dev libcli11-dev
  libcpprest-dev libboost-dev libcpp-httplib-dev libvalijson-dev libre2-dev libyaml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm python3 python3-jsonschema python3-yaml curl jq
)
# Tests only: the formatting check (scripts/format-check.sh), pinned to Debian 12's version.
packages+=(clang-format-14)
# Tests only: the HA tests' 3-member etcd cluster (docs/ha.md).
packages+=(etcd-server)
# Tests only: the sanitizer and fuzz build (scripts/sanitize.sh, scripts/fuzz.sh): clang-16 with
# its sanitizer runtimes and libFuzzer, and llvm-symbolizer for readable reports.
packages+=(clang-16 libclang-rt-16-dev libfuzzer-16-dev llvm-16)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from outside Debian's packages on a preinstalled machine; accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  keep=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || keep+=("$p"); done
  missing=("${keep[@]+"${keep[@]}"}")
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "==> Debian packages: all present"
fi

# Azurite (Microsoft's Azure Storage emulator) for the azureblob stack-lock tests (docs/ha.md),
# pinned in tests/support/azurite/package-lock.json. Reinstalled when the lock file changes.
azurite_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/support/azurite"
stamp="$azurite_dir/node_modules/.keyward-lock-sha256"
want="$(sha256sum "$azurite_dir/package-lock.json" | cut -d' ' -f1)"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> npm ci: Azurite (tests/support/azurite)"
  npm ci --prefix "$azurite_dir" --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" >"$stamp"
else
  echo "==> Azurite: present"
fi

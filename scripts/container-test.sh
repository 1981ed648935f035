#!/usr/bin/env bash
# The container test on its own: installs a container engine where one is missing (Debian's
# podman with the runc runtime, catatonit for its pods, mmdebstrap for base images where no
# registry answers), then runs tests/container/run.sh — docker/Dockerfile built and run for real.
# scripts/test.sh runs this after the other tests. Skips (exit 0, with a message saying why) only
# where no container engine can be installed; every other problem fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"

packages=(podman runc catatonit mmdebstrap jq curl openssl python3 python3-yaml)

skip() {
  step "Container test SKIPPED: $*"
  echo "No container engine could be installed, so docker/Dockerfile, docker/compose.yaml and"
  echo "docker/k8s/ were not built or run here (tests/docker/check_docker.py still checked them)."
  exit 0
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    command -v podman >/dev/null && command -v runc >/dev/null ||
      skip "podman and runc are missing and there is no apt-get to install them"
  elif [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
    skip "installing ${missing[*]} needs root"
  else
    if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
    echo "==> installing Debian packages for the container test: ${missing[*]}"
    { $SUDO apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null; } || skip "apt-get could not install ${missing[*]}"
  fi
fi
# Rootful podman: the test's private storage and pods need root (CI and the machines here are).
[ "$(id -u)" -eq 0 ] || skip "the container test runs podman as root; run it with sudo"

exec bash tests/container/run.sh

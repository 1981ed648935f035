#!/usr/bin/env bash
# The crash campaign (docs/reliability.md): keyward apply is killed with SIGKILL at random points
# of its write phase (an estate of 50 resources changed and grown to 62), then re-run once. Nothing
# may be lost or duplicated, and the re-run must converge, checked from the emulator's state.
#
#   scripts/campaign-kill.sh [--iterations N] [--seed S] [--dir DIR]
#
# Defaults: 50 kills, seed 1, a temporary directory (kept, with every keyward log and kill.jsonl,
# when --dir is given). KEYWARD_BUILD_DIR picks the build directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dir= args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --iterations|--seed) args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: scripts/campaign-kill.sh [--iterations N] [--seed S] [--dir DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$dir" ]; then
  dir=$(mktemp -d -t keyward-campaign.XXXXXX)
  trap 'stop_emulator; rm -rf "$dir"' EXIT
else
  trap stop_emulator EXIT
fi

step "Crash campaign (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
campaign_setup "$dir"
python3 "$KEYWARD_ROOT/scripts/campaign.py" kill "${CAMPAIGN_ARGS[@]}" "${args[@]}"

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
campaign_main kill "$@"

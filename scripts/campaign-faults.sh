#!/usr/bin/env bash
# The fault campaign (docs/reliability.md): seeded applies of a 50-resource estate against the
# emulator with 10 % of ARM requests answered by an injected 500, 502, 503, 504, 429 or connection
# reset and 10 % of long-running operations failed. Each seed must converge within three applies
# with no duplicate and no delete, checked from the emulator's state and request log.
#
#   scripts/campaign-faults.sh [--seeds N] [--first-seed S] [--rate R] [--lro-fail-rate R]
#                              [--within N] [--max-applies N] [--dir DIR]
#
# Defaults: 100 seeds from 1, rate 0.10, converged within 3 applies (up to 5 are run to see when a
# seed that misses the bar converges), a temporary directory (kept, with every keyward log and
# faults.jsonl, when --dir is given). KEYWARD_BUILD_DIR picks the build directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
campaign_main faults "$@"

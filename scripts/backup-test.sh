#!/usr/bin/env bash
# Backup and restore of the private cluster (README, "Running in production"): serves the real binary,
# backs it up under a write load and again while quiet, restores each copy into a fresh cluster and
# prints the figures: acknowledged writes missing from the copy, and tables whose row count or md5 of
# ordered rows differ from the source (both must be 0).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q -p hemvist-server --test backup -- --nocapture

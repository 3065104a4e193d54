#!/usr/bin/env bash
# Runs the whole system locally. Makes sure NATS, MariaDB and Redis are up,
# builds, then:
#   scripts/run.sh              the demo: history imported, a day of real orders
#                               replayed by simulated customers through the local
#                               Telegram stand-in, a simulated owner, a report
#   scripts/run.sh run          the system, kept running (Ctrl-C stops it)
#   scripts/run.sh <args…>      any other chatorder command
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chatorder-target}"
cargo build --release --quiet
exec "$CARGO_TARGET_DIR/release/chatorder" "${@:-demo}"

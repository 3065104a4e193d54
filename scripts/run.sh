#!/usr/bin/env bash
# Runs the whole system locally: makes sure NATS, MariaDB and Redis are up,
# builds in release mode and starts `chatorder run` (Ctrl-C stops it).
# Usage: scripts/run.sh [chatorder arguments, default: run]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chatorder-target}"
cargo build --release --quiet
exec "$CARGO_TARGET_DIR/release/chatorder" "${@:-run}"

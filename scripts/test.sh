#!/usr/bin/env bash
# Runs every test (unit, property and end-to-end against the real NATS,
# MariaDB and Redis), after making sure those services are up.
# Usage: scripts/test.sh [extra nextest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh

# Keep builds between runs on one machine; a fresh machine builds from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chatorder-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test.sh: cargo-nextest not found; installing it with cargo" >&2
  cargo install --locked cargo-nextest >/dev/null
fi

# The playground's browser test needs Chromium and playwright-core.
scripts/playground-test.sh --prepare

cargo nextest run --workspace --no-fail-fast "$@"

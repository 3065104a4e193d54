#!/usr/bin/env bash
# Runs the whole system locally. Makes sure NATS, MariaDB and Redis are up,
# builds, then:
#   scripts/run.sh              the demo: history imported, a day of real orders
#                               replayed by simulated customers through the local
#                               Telegram stand-in, a simulated owner, a report
#   scripts/run.sh run          the system against the local stand-ins, kept
#                               running with the playground page (Ctrl-C stops it)
#   scripts/run.sh <args…>      any other chatorder-dev command (demo --days 7, chaos, bench …)
# It builds in the same profile and target directory as scripts/test.sh, so
# whichever runs second reuses the first one's build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chatorder-target}"
bin="$CARGO_TARGET_DIR/debug/chatorder-dev"
if [ -x "$bin" ]; then
  echo "building chatorder (only what changed since the last build)" >&2
else
  echo "building chatorder: the first build takes about 8 minutes on 2 cores; later ones take seconds" >&2
fi
# The whole workspace (not just chatorder-dev), so dependencies are built
# with the same features the tests use and are reused by them.
cargo build --locked --quiet --workspace
exec "$bin" "${@:-demo}"

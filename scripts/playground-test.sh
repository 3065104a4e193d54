#!/usr/bin/env bash
# The playground's browser test needs Debian's Chromium and the node module
# playwright-core (pinned in tests/playground/package-lock.json; it never
# downloads a browser of its own).
#   scripts/playground-test.sh --prepare   install them if missing (idempotent)
#   scripts/playground-test.sh             prepare, then run the test
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "playground-test: installing Debian's chromium (once)" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if ! command -v node >/dev/null; then
  echo "playground-test: node is missing; install Debian's nodejs" >&2
  exit 1
fi
lock=tests/playground/package-lock.json
stamp=tests/playground/node_modules/.installed-from-lock
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
  (cd tests/playground && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$lock" "$stamp"
fi

if [ "${1:-}" = "--prepare" ]; then
  exit 0
fi
scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chatorder-target}"
exec cargo nextest run --workspace -E 'binary(playground)' "$@"

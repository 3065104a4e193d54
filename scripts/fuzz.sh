#!/usr/bin/env bash
# Runs every cargo-fuzz target under fuzz/ for N seconds each (default 30)
# and fails if any of them finds a crash. See docs/fuzzing.md.
#
#   scripts/fuzz.sh [seconds-per-target]
#
# cargo fuzz needs nightly compiler flags; on the stable toolchain
# RUSTC_BOOTSTRAP=1 unlocks them. cargo-fuzz is installed from crates.io when
# missing. Environment:
#   FUZZ_SANITIZER        address (default) | none (faster, no ASan)
#   FUZZ_TARGETS          targets to run (default: all, from `cargo fuzz list`)
#   CHATORDER_FUZZ_TARGET_DIR   build dir (default ~/.cache/chatorder-fuzz-target)
#   CHATORDER_FUZZ_CORPUS       where new inputs go (default ~/.cache/chatorder-fuzz-corpus);
#                               the committed seeds in fuzz/corpus/ are only read
set -euo pipefail

secs="${1:-30}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
  echo "usage: $0 [seconds-per-target]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CHATORDER_FUZZ_TARGET_DIR:-$HOME/.cache/chatorder-fuzz-target}"
sanitizer="${FUZZ_SANITIZER:-address}"
work="${CHATORDER_FUZZ_CORPUS:-$HOME/.cache/chatorder-fuzz-corpus}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "== building the fuzz targets (sanitizer: $sanitizer)"
cargo fuzz build --sanitizer "$sanitizer"

targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

failed=()
summary=()
for target in $targets; do
  mkdir -p "$work/$target"
  echo "== $target: ${secs}s"
  log="$logs/$target.log"
  status=0
  cargo fuzz run --sanitizer "$sanitizer" "$target" "$work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$secs" -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
  execs="$(stat number_of_executed_units)"
  rate="$(stat average_exec_per_sec)"
  added="$(stat new_units_added)"
  rss="$(stat peak_rss_mb)"
  cov="$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    summary+=("$target: CRASH after ${execs:-?} runs (exit $status)")
    # What libFuzzer said about the crash, and where it saved the input.
    grep -E "panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY|Test unit written|timeout" "$log" | head -n 20 || true
    sed -n '/panicked at/,/^note:/p' "$log" | head -n 40 || true
  else
    summary+=("$target: ${execs:-?} runs in ${secs}s (${rate:-?}/s), coverage ${cov:-?}, ${added:-?} new inputs, peak ${rss:-?} MB, no crash")
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "crashes in: ${failed[*]} (inputs under fuzz/artifacts/; replay one with" >&2
  echo "  RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>)" >&2
  exit 1
fi

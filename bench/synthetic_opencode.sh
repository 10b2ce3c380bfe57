#!/bin/sh
# A stand-in `opencode` binary for the benchmarks: `serve` runs the synthetic
# upstream (bench/synthetic_upstream.ts); `BUN_BE_BUN=1 ... -e` (Flock's
# process tool) and anything else is handed to the real pinned OpenCode.
# FLOCK_BENCH_DENO picks the deno executable (default: deno on PATH).
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
if [ "${BUN_BE_BUN:-}" = "1" ] || [ "${1:-}" != "serve" ]; then
  exec "${FLOCK_BENCH_REAL_OPENCODE:-$dir/../node_modules/opencode-linux-x64/bin/opencode}" "$@"
fi
exec "${FLOCK_BENCH_DENO:-deno}" run --no-config --no-prompt \
  --allow-net=127.0.0.1,localhost --allow-env --allow-read \
  "$dir/synthetic_upstream.ts" "$@"

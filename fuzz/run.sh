#!/usr/bin/env bash
# Runs every fuzz target of a KPLUG_FUZZ build: seeds from tests/data/objects, the Keras
# dictionary, new corpus entries kept in <build>/fuzz-corpus/<target>.
# Usage: fuzz/run.sh [build-dir] [libFuzzer args...], e.g.
#   fuzz/run.sh build-fuzz -max_total_time=60         (what CI does)
#   fuzz/run.sh build-fuzz -runs=10000000 -jobs=1     (a long run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-fuzz}
shift || true
[ $# -gt 0 ] || set -- -max_total_time=60
for target in fuzz_json_roundtrip fuzz_deserialize; do
  corpus="$build/fuzz-corpus/$target"
  mkdir -p "$corpus"
  echo "== $target $*"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/$target" -dict="$root/fuzz/keras.dict" -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-corpus/$target-" "$@" "$corpus" "$root/tests/data/objects"
done

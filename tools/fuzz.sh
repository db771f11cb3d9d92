#!/usr/bin/env bash
# Fuzzes every target of tests/fuzz/ for a while, on demand:
#
#   tools/fuzz.sh [SECONDS]        # default 60 seconds per target
#
# Configures build-fuzz/ with clang++ and -DPUBSUB_FUZZ=ON (libFuzzer, ASan,
# UBSan), builds every pubsub_fuzz_* target, then runs each one in turn with
# -max_total_time=SECONDS on a scratch copy of its checked-in corpus (the
# corpus itself is never written). Prints one summary line per target and
# exits non-zero if any target crashed, leaked or hit undefined behaviour;
# the crashing input is kept in the scratch directory, which is printed.
#
# Environment: PUBSUB_FUZZ_BUILD (build directory, default build-fuzz),
# PUBSUB_FUZZ_TARGETS (a subset, e.g. "envelope publish_body"),
# PUBSUB_FUZZ_JOBS (build parallelism, default 2), PUBSUB_FUZZ_ARGS (more
# libFuzzer flags, e.g. "-max_len=8192").
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: tools/fuzz.sh [SECONDS]  (seconds per target, default 60)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PUBSUB_FUZZ_BUILD:-$root/build-fuzz}"
jobs="${PUBSUB_FUZZ_JOBS:-2}"
# The target list lives in one place: tests/fuzz/CMakeLists.txt.
targets="${PUBSUB_FUZZ_TARGETS:-$(sed -n 's/^set(PUBSUB_FUZZ_TARGETS \(.*\))$/\1/p' \
  "$root/tests/fuzz/CMakeLists.txt")}"
[ -n "$targets" ] || { echo "fuzz.sh: no targets found in tests/fuzz/CMakeLists.txt" >&2; exit 2; }

echo "== configuring $build (clang++, PUBSUB_FUZZ=ON)"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPUBSUB_FUZZ=ON >/dev/null
echo "== building: $targets"
build_targets=()
for t in $targets; do build_targets+=(--target "pubsub_fuzz_$t"); done
cmake --build "$build" -j"$jobs" "${build_targets[@]}"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/pubsub-fuzz.XXXXXX")"
# UBSan only reports by default: make it stop the run, so that it counts.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

failed=0
summary=()
for t in $targets; do
  dir="$scratch/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -r "$root/tests/fuzz/corpus/$t/." "$dir/corpus/"
  seeds=$(find "$dir/corpus" -type f | wc -l)
  echo "== fuzzing $t for ${seconds}s ($seeds seeds; log: $dir/log)"
  status=ok
  # shellcheck disable=SC2086  # PUBSUB_FUZZ_ARGS is a list of flags
  if ! "$build/tests/fuzz/pubsub_fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/" ${PUBSUB_FUZZ_ARGS:-} "$dir/corpus" >"$dir/log" 2>&1; then
    status=FAILED
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2)
  units=$(find "$dir/corpus" -type f | wc -l)
  line=$(printf '%-16s %-6s execs=%-10s exec/s=%-7s cov=%-6s corpus=%s->%s' \
    "$t" "$status" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$seeds" "$units")
  if [ "$status" != ok ]; then
    line+="  artifacts: $(ls "$dir/artifacts" | tr '\n' ' ')"
    grep -m1 -E 'ERROR: |runtime error|deadly signal' "$dir/log" >&2 || true
  fi
  summary+=("$line")
done

echo
echo "== summary (${seconds}s per target; scratch: $scratch)"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: a target failed: see its log and artifacts above; add the input to" \
       "tests/fuzz/corpus/<target>/ once fixed" >&2
  exit 1
fi

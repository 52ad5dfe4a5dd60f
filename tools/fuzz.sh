#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan + UBSan) and runs each for a time budget.
#   tools/fuzz.sh [SECONDS_PER_TARGET] [fuzz_name ...]     (default 20 s, every target)
# Per target:
#   1. regression: every committed seed (tests/fuzz/corpus/<target>/) runs once; a crash fails.
#      Known findings (tests/fuzz/findings/<target>/, crashes other branches are fixing) run too and
#      are reported as "still crashing" or "fixed: move to corpus", without failing the run.
#   2. fuzzing for the budget; the grown corpus is kept in $BUILD/corpus/<target> between runs,
#      crashes land in $BUILD/artifacts/<target>/.
# Prints runs, coverage (cov = edges, ft = features, from libFuzzer's last status line) and
# findings per target; exits 1 when a seed or the fuzzing crashed (or hung past -timeout) with a
# signature (kind + first Sightline frame) that no known finding of that target has.
# Environment: SIGHTLINE_FUZZ_BUILD_DIR (build-fuzz), SIGHTLINE_JOBS, SIGHTLINE_FUZZ_RSS_MB (2048),
# SIGHTLINE_FUZZ_TIMEOUT (seconds one input may take, 10), SIGHTLINE_FUZZ_NO_BUILD=1 (use what is built).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD=${SIGHTLINE_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
JOBS=${SIGHTLINE_JOBS:-$(nproc)}
SECONDS_PER_TARGET=${1:-20}
shift || true
RSS_MB=${SIGHTLINE_FUZZ_RSS_MB:-2048}
TIMEOUT=${SIGHTLINE_FUZZ_TIMEOUT:-10}
FUZZ_DIR=$ROOT/tests/fuzz

log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }

if [ "${SIGHTLINE_FUZZ_NO_BUILD:-0}" != "1" ]; then
  command -v clang++ >/dev/null || { log "clang++ is missing (apt-get install clang libclang-rt-14-dev)"; exit 2; }
  if [ ! -f "$BUILD/build.ninja" ]; then
    prefix=$("$ROOT/.venv/bin/python3" -c 'import torch; print(torch.utils.cmake_prefix_path)')
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    log "configuring $BUILD (clang, -fsanitize=fuzzer,address,undefined)"
    mkdir -p "$BUILD"
    CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
      -DSIGHTLINE_FUZZ=ON -DSIGHTLINE_BUILD_UI=OFF -DSIGHTLINE_BUILD_TESTS=OFF "${launcher[@]}" >"$BUILD/configure.log" 2>&1 \
      || { cat "$BUILD/configure.log"; exit 2; }
  fi
  log "building the fuzz targets with $JOBS jobs"
  if [ $# -gt 0 ]; then build_targets=("$@"); else build_targets=(sightline_fuzz); fi
  cmake --build "$BUILD" -j "$JOBS" --target "${build_targets[@]}" >"$BUILD/build.log" 2>&1 || { tail -50 "$BUILD/build.log"; exit 2; }
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$BUILD"/tests/fuzz/fuzz_*; do [ -x "$bin" ] && targets+=("$(basename "$bin")"); done
fi
[ ${#targets[@]} -gt 0 ] || { log "no fuzz targets built in $BUILD/tests/fuzz"; exit 2; }

seeds_of() {  # the committed seed folder of a target
  case "$1" in
    fuzz_http_parse) echo "$FUZZ_DIR/corpus/fuzz_http_server" ;;
    *) echo "$FUZZ_DIR/corpus/$1" ;;
  esac
}
dict_of() {
  case "$1" in
    fuzz_http_*) echo "$FUZZ_DIR/dict/http.dict" ;;
    fuzz_moderation_queue|fuzz_labels) echo "$FUZZ_DIR/dict/csv.dict" ;;
    fuzz_chat_template) echo "$FUZZ_DIR/dict/jinja.dict" ;;
    fuzz_pdf) echo "$FUZZ_DIR/dict/pdf.dict" ;;
    fuzz_image|fuzz_sampler|fuzz_tokenizer_encode|fuzz_video) ;;
    *) echo "$FUZZ_DIR/dict/json.dict" ;;
  esac
}

# LeakSanitizer stays on: a leak on a refused input is a finding too. UBSan reports abort.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Libraries' process-wide caches only (fontconfig under poppler); see the file.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tools/sanitizers/fuzz-lsan.supp:print_suppressions=0}

# What a crash is, from its log: the kind and the first frame in Sightline's own code
# ("AddressSanitizer: heap-buffer-overflow @ engine/src/x.cpp:12"). Two crashes with the same
# signature are taken as the same bug.
signature() {
  local kind frame
  kind=$(grep -m1 -oE "AddressSanitizer: [a-z-]+|LeakSanitizer: detected memory leaks|runtime error: .*|terminate called after throwing an instance of '[^']+'|libFuzzer: (timeout|out-of-memory|deadly signal)" "$1" |
    head -1 | sed -E 's/0x[0-9a-f]+/N/g; s/[-+]?[0-9][0-9.e+]*/N/g' | cut -c1-80)
  # The first frame in our sources; an inlined frame may name the file without a line.
  frame=$(grep -oE "(engine|app|tests/fuzz)/[A-Za-z0-9_/.-]+\.(cpp|h)(:[0-9]+)?" "$1" | grep -vE "fuzz_support.h|sightline/error.h" | head -1)
  echo "${kind:-unknown} @ ${frame:-?}"
}

mkdir -p "$BUILD/logs"
# Scratch files of the targets (a crashed target cannot remove its own): in memory when possible.
SIGHTLINE_FUZZ_SCRATCH=$(mktemp -d /dev/shm/sightline-fuzz-run.XXXXXX 2>/dev/null || mktemp -d "$BUILD/scratch.XXXXXX")
export SIGHTLINE_FUZZ_SCRATCH
trap 'rm -rf "$SIGHTLINE_FUZZ_SCRATCH"' EXIT
failed=0
summary=()
for t in "${targets[@]}"; do
  bin=$BUILD/tests/fuzz/$t
  [ -x "$bin" ] || { log "$t is not built"; failed=1; summary+=("$t: not built"); continue; }
  seeds=$(seeds_of "$t")
  work=$BUILD/corpus/$t
  art=$BUILD/artifacts/$t
  mkdir -p "$work" "$art"
  common=(-timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" -artifact_prefix="$art/")
  dict=$(dict_of "$t")
  [ -n "$dict" ] && common+=(-dict="$dict")

  # 1. Regression: committed seeds must pass; known findings are replayed for their signatures.
  regress="ok"
  if [ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ]; then
    if ! "$bin" "${common[@]}" -runs=0 "$seeds" >"$BUILD/logs/$t.seeds.log" 2>&1; then
      regress="SEED CRASHED ($(signature "$BUILD/logs/$t.seeds.log"))"
      failed=1
      log "$t: a committed seed crashes: $regress (log: $BUILD/logs/$t.seeds.log)"
    fi
  fi
  known_sigs=()
  still=0 fixed=0
  for f in "$FUZZ_DIR/findings/$t"/*; do
    [ -f "$f" ] || continue
    case "$f" in *.txt|*.md) continue ;; esac
    flog=$BUILD/logs/$t.finding.$(basename "$f").log
    if "$bin" "${common[@]}" "$f" >"$flog" 2>&1; then
      fixed=$((fixed + 1))
      log "$t: finding $(basename "$f") no longer crashes: move it to tests/fuzz/corpus/$t/"
    else
      still=$((still + 1))
      known_sigs+=("$(signature "$flog")")
    fi
  done
  known=""
  [ $((still + fixed)) -gt 0 ] && known=", known findings: $still still crashing, $fixed fixed"

  # 2. Fuzzing for the budget. A crash with a known finding's signature restarts the fuzzer for the
  #    rest of the budget (the integrator is routing that bug); any other crash is a new finding.
  remaining=$SECONDS_PER_TARGET
  runs=0 attempt=0 rediscovered=0
  finding="none"
  while :; do
    attempt=$((attempt + 1))
    out=$BUILD/logs/$t.fuzz.$attempt.log
    began=$(date +%s)
    "$bin" "${common[@]}" -max_total_time="$remaining" -print_final_stats=1 \
      "$work" "$seeds" >"$out" 2>&1
    rc=$?
    runs=$((runs + $(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1 | grep -E '^[0-9]+$' || echo 0)))
    status=$(grep -E '^#[0-9]+.*cov: ' "$out" | tail -1)
    [ -n "$status" ] && laststatus=$status
    [ $rc -eq 0 ] && break
    sig=$(signature "$out")
    artifact=$(grep -o "Test unit written to .*" "$out" | tail -1 | sed 's/Test unit written to //')
    is_known=0
    for k in "${known_sigs[@]}"; do [ "$k" = "$sig" ] && is_known=1; done
    if [ $is_known -eq 0 ]; then
      failed=1
      finding="NEW CRASH: $sig → ${artifact:-see $out}"
      log "$t: $finding (log: $out)"
      break
    fi
    rediscovered=$((rediscovered + 1))
    remaining=$((remaining - ($(date +%s) - began)))
    [ $remaining -ge 2 ] && [ $attempt -lt 8 ] || break
  done
  [ $rediscovered -gt 0 ] && finding="$finding (known finding hit $rediscovered times)"
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"${laststatus:-}")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"${laststatus:-}")
  corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"${laststatus:-}")
  laststatus=""
  line=$(printf '%-24s runs %-9s cov %-5s ft %-6s corpus %-11s seeds %s; finding: %s%s' \
    "$t" "$runs" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "$regress" "$finding" "$known")
  summary+=("$line")
  echo "$line"
done

echo
echo "== fuzz summary (${SECONDS_PER_TARGET} s per target, logs in $BUILD/logs)"
printf '%s\n' "${summary[@]}"
exit $failed

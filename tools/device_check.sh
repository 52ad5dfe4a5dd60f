#!/usr/bin/env bash
# The standing GPU check (issue: the CUDA path, run and measured). One device call, from a bare GPU
# machine: build only what is measured, run the `gpu` CTest label, every benchmark of
# docs/benchmarks.md, then print one summary table (goal, measured, met) into $OUT/summary.txt.
#
#   here:   ./tools/device_prepare.sh
#   device: run command "./tools/device_check.sh", carry [".carry"], timeout_s 560
#
# Budget: it must end within 9 minutes on an H100/H200 so a failed first try leaves room for a
# second. Each step has its own timeout; a failing step is recorded and the next still runs.
# SIGHTLINE_SKIP_HF=1 leaves out transformers' generate (about 3 minutes).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
T0=$SECONDS
[ -d .carry/shared/fixtures ] || { echo "no .carry/: run tools/device_prepare.sh here and carry .carry" | tee "$OUT/summary.txt"; exit 2; }
export SIGHTLINE_FIXTURES_DIR=$PWD/.carry/shared/fixtures/glm4v-tiny
# Only the targets the check runs: the gpu tests' binaries and the benchmark, in an engine-only build
# (SIGHTLINE_ENGINE_ONLY: the machine has no SQLite, libcurl, OpenSSL or libjwt headers).
(
  set -e
  DEPS=/tmp/sightline-deps
  mkdir -p "$DEPS"
  for f in .carry/*.deb; do dpkg -x "$f" "$DEPS"; done
  TORCH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  ARCH=$(python3 -c 'import torch; c=torch.cuda.get_device_capability(); print(f"{c[0]}.{c[1]}")' 2>/dev/null || echo 9.0)
  cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGHTLINE_BUILD_UI=OFF -DSIGHTLINE_BUILD_TESTS=ON \
    -DCMAKE_PREFIX_PATH="$TORCH;$DEPS/usr" -DSIGHTLINE_EXTRA_INCLUDE="$DEPS/usr/include" -DTORCH_CUDA_ARCH_LIST="$ARCH" \
    -DCMAKE_CUDA_ARCHITECTURES="${ARCH/./}" -DSIGHTLINE_PYTHON="$(command -v python3)" \
    -DSIGHTLINE_ENGINE_ONLY=ON -DSIGHTLINE_FIXTURES_DIR="$SIGHTLINE_FIXTURES_DIR" > "$OUT/configure.txt" 2>&1
  cmake --build build-cuda -j "$(nproc)" --target fixture_parity_test scheduler_test sightline-bench > "$OUT/build.txt" 2>&1
) || { echo "BUILD FAILED after $((SECONDS - T0)) s"; tail -40 "$OUT/configure.txt" "$OUT/build.txt" 2>/dev/null; exit 1; }
echo "build: $((SECONDS - T0)) s" | tee "$OUT/steps.log"
export LD_LIBRARY_PATH=/tmp/sightline-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
export SIGHTLINE_BUILD_DIR=build-cuda
# device_bench.sh: gpu tests, bf16/INT8 batch 1 and concurrency, transformers (each step logged).
timeout $((530 - (SECONDS - T0))) ./tools/device_bench.sh
python3 tools/device_summary.py "$OUT" | tee "$OUT/summary.txt"
echo "total: $((SECONDS - T0)) s" | tee -a "$OUT/summary.txt"

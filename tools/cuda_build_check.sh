#!/usr/bin/env bash
# Compiles the CUDA build (engine, kernels, CLI, bench) on a machine without a GPU, so a change that
# breaks the CUDA path is caught here rather than on the next borrowed GPU. nvcc and NVVM come from
# PyPI (NVIDIA's nvidia-cuda-nvcc / nvidia-nvvm wheels, unpacked, never installed into .venv) and join
# the CUDA headers and libraries of the torch wheel (linked) into one toolkit folder. Builds with -Werror.
# About 10 minutes on 2 idle cores (24 under a loaded machine); CI runs it (tools/sightline.sh test).
#   tools/cuda_build_check.sh            (SIGHTLINE_CUDA_CHECK_DIR: where the toolkit and build go)
# Running the kernels needs a GPU: tools/device_check.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
JOBS=${SIGHTLINE_JOBS:-$(nproc)}
NVCC_VERSION=13.0.88  # the CUDA 13.0 compiler, as the torch 2.11+cu130 wheel's runtime
WORK=${SIGHTLINE_CUDA_CHECK_DIR:-$ROOT/build-cuda-check}
TOOLKIT=$WORK/toolkit-$NVCC_VERSION
log() { printf '\033[1m[cuda-check]\033[0m %s\n' "$*" >&2; }

site=$("$VENV/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[ -d "$site/nvidia/cu13/include" ] || { log "the torch wheel in .venv brings no CUDA 13 headers ($site/nvidia/cu13)"; exit 2; }
if [ ! -x "$TOOLKIT/bin/nvcc" ]; then
  log "fetching nvcc $NVCC_VERSION and NVVM from PyPI"
  rm -rf "$TOOLKIT" "$WORK/wheels"
  mkdir -p "$TOOLKIT" "$WORK/wheels"
  "$VENV/bin/python3" -m pip download -q --no-deps -d "$WORK/wheels" "nvidia-cuda-nvcc==$NVCC_VERSION" "nvidia-nvvm==$NVCC_VERSION"
  for w in "$WORK"/wheels/*.whl; do
    "$VENV/bin/python3" - "$w" "$TOOLKIT" <<'PY'
import sys, zipfile, os, stat
wheel, dest = sys.argv[1], sys.argv[2]
prefix = "nvidia/cu13/"
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        out = os.path.join(dest, info.filename[len(prefix):])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, "wb") as dst:
            dst.write(src.read())
        mode = (info.external_attr >> 16) & 0o777
        if mode & 0o111 or "/bin/" in "/" + info.filename[len(prefix):]:
            os.chmod(out, os.stat(out).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
PY
  done
  # The wheel's CUDA headers and libraries as links (never written through: the compiler's files
  # are unpacked first and win).
  cp -rsn "$site/nvidia/cu13/." "$TOOLKIT/"
fi
"$TOOLKIT/bin/nvcc" --version | tail -1 >&2
BUILD=$WORK/build
if [ ! -f "$BUILD/build.ninja" ]; then
  prefix=$("$VENV/bin/python3" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  log "configuring $BUILD (CUDA, sm_90, -Werror)"
  PATH=$TOOLKIT/bin:$PATH cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CUDA_COMPILER="$TOOLKIT/bin/nvcc" -DCUDAToolkit_ROOT="$TOOLKIT" -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 \
    -DSIGHTLINE_BUILD_UI=OFF -DSIGHTLINE_BUILD_TESTS=OFF -DSIGHTLINE_WERROR=ON "${launcher[@]}" >"$WORK/configure.log" 2>&1 \
    || { cat "$WORK/configure.log"; exit 1; }
  grep -q "^CMAKE_CUDA_COMPILER:STRING=$TOOLKIT/bin/nvcc" "$BUILD/CMakeCache.txt" || { log "CMake did not take nvcc"; exit 1; }
fi
log "building the CUDA engine, kernels, sightline-cli and sightline-bench with $JOBS jobs"
PATH=$TOOLKIT/bin:$PATH cmake --build "$BUILD" -j "$JOBS" --target sightline_kernels sightline_engine sightline-cli sightline-bench
log "the CUDA build compiles and links"

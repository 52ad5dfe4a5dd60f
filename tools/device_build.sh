#!/usr/bin/env bash
# Build engine, CLI, bench and tests (no Qt) on a CUDA machine that has python3 with a CUDA torch
# but no network: header/library .debs carried in .carry/ (apt-get download libgtest-dev
# nlohmann-json3-dev libpcre2-dev libpcre2-8-0 libstb-dev) are unpacked into /tmp/sightline-deps.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEPS=/tmp/sightline-deps
BUILD=${SIGHTLINE_BUILD_DIR:-build-cuda}
mkdir -p "$DEPS"
for f in .carry/*.deb; do dpkg -x "$f" "$DEPS"; done
export LD_LIBRARY_PATH=$DEPS/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
TORCH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
ARCH=${TORCH_CUDA_ARCH_LIST:-$(python3 -c 'import torch; c=torch.cuda.get_device_capability(); print(f"{c[0]}.{c[1]}")' 2>/dev/null || echo 9.0)}
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGHTLINE_BUILD_UI=OFF -DSIGHTLINE_BUILD_TESTS=ON \
    -DCMAKE_PREFIX_PATH="$TORCH;$DEPS/usr" -DSIGHTLINE_EXTRA_INCLUDE="$DEPS/usr/include" -DTORCH_CUDA_ARCH_LIST="$ARCH" \
    -DSIGHTLINE_PYTHON="$(command -v python3)" -DSIGHTLINE_ENGINE_ONLY=ON -DSIGHTLINE_FIXTURES_DIR="${SIGHTLINE_FIXTURES_DIR:-$PWD/.carry/shared/fixtures/glm4v-tiny}"
fi
cmake --build "$BUILD" -j "$(nproc)"

#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   tools/sightline.sh run    install what is missing, build, start the Sightline window
#   tools/sightline.sh test   install what is missing, build, check the formatting, run the whole test suite, compile the
#                             CUDA build (nvcc from PyPI, no GPU needed), then the CPU
#                             suite under ASan + UBSan and every fuzz target briefly (SIGHTLINE_FUZZ_SECONDS)
#   tools/sightline.sh build  install + build only (SIGHTLINE_NO_UI=1: engine, CLI, bench without Qt)
#   tools/sightline.sh deps   install only
# Debian packages come from apt (sudo when not root); libtorch, transformers and friends come from
# PyPI into .venv, pinned in tools/requirements.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD=${SIGHTLINE_BUILD_DIR:-$ROOT/build}
VENV=$ROOT/.venv
JOBS=${SIGHTLINE_JOBS:-$(nproc)}

APT_PACKAGES=(build-essential cmake ninja-build pkg-config git python3 python3-venv
  libgtest-dev nlohmann-json3-dev libpcre2-dev libstb-dev libjpeg-dev libwebp-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  libqt6sql6-sqlite libqt6svg6-dev libgl-dev libxkbcommon-dev xvfb xauth ccache fonts-wqy-microhei libssl-dev libjwt-dev libcurl4-openssl-dev libpoppler-cpp-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev  # video input (FFmpeg)
  libavdevice59 libavfilter8  # torchcodec (video_test's transformers reference) loads these too; a fresh Debian 12 lacks them
  fonts-dejavu-core  # tools/demo draws the demo model's words in DejaVu Sans Bold
  clang libclang-rt-14-dev llvm clang-format)  # clang + libFuzzer + llvm-symbolizer: tools/fuzz.sh; tools/format.sh

# ccache (when installed) makes a rebuild of the same sources cheap.
launcher() { command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; true; }

log() { printf '\033[1m[sightline]\033[0m %s\n' "$*" >&2; }

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_venv() {
  local stamp=$VENV/.requirements.sha256
  local want
  want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing the pinned Python side (libtorch wheel, transformers) into .venv"
  [ -x "$VENV/bin/python3" ] || python3 -m venv "$VENV"
  "$VENV/bin/python3" -m pip install -q --upgrade pip
  "$VENV/bin/python3" -m pip install -q -r tools/requirements.txt
  echo "$want" > "$stamp"
}

configure_build() {
  local ui=ON
  [ "${SIGHTLINE_NO_UI:-0}" = "1" ] && ui=OFF
  local prefix
  prefix=$("$VENV/bin/python3" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  if [ ! -f "$BUILD/build.ninja" ]; then
    log "configuring ($BUILD)"
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" $(launcher) \
      -DSIGHTLINE_BUILD_UI=$ui -DSIGHTLINE_BUILD_TESTS=ON >"$BUILD.configure.log" 2>&1 \
      || { cat "$BUILD.configure.log"; exit 1; }
  fi
  log "building with $JOBS jobs"
  cmake --build "$BUILD" -j "$JOBS"
}

# The CPU test suite once more under AddressSanitizer + UBSan (Debug, gcc): the torch-free unit
# tests, the model tests on the tiny fixture, the CLI / server / models-pull end-to-end tests (python drives the
# instrumented sightline-cli; python itself is not instrumented and needs no preload) and ui_test.
# libtorch and Qt are not instrumented; LeakSanitizer stays on (the suite leaks nothing of torch's).
# Left out: the gpu tests, reference_parity_test (its transformers-generated checkpoints take
# minutes to make) and bench_report_test (it asserts batching that the slower ASan build misses).
# The Qt tests (ui_test, engine_ui_test, window_test, vision_ui_test, moderation_ui_test, chat_store_test, crash_chat) run with the slow unwinder.
# Times on the 2-core CI machine: docs/reliability.md.
ASAN_TARGETS=(unit_tests moderation_test backend_seam_test server_http_test fixture_parity_test scheduler_test bad_checkpoint_test sightline-cli ui_test
  engine_ui_test window_test vision_ui_test moderation_ui_test chat_store_test crash_chat)
ASAN_TESTS='^(unit_tests|moderation_test|backend_seam_test|server_http_test|fixture_parity_test|scheduler_test|bad_checkpoint_test|cli_test|server_test|models_test)$'
test_sanitizers() {
  local asan_build=${BUILD}-asan prefix status=0
  prefix=$("$VENV/bin/python3" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  if [ ! -f "$asan_build/build.ninja" ] || ! grep -q '^SIGHTLINE_BUILD_UI:BOOL=ON' "$asan_build/CMakeCache.txt"; then
    cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH="$prefix" -DSIGHTLINE_SANITIZE=ON $(launcher) \
      -DSIGHTLINE_BUILD_UI=ON -DSIGHTLINE_BUILD_TESTS=ON >"$asan_build.configure.log" 2>&1 || { cat "$asan_build.configure.log"; return 1; }
  fi
  log "sanitizer build: ${ASAN_TARGETS[*]}"
  cmake --build "$asan_build" -j "$JOBS" --target "${ASAN_TARGETS[@]}" || return 1
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  (cd "$asan_build" && ctest --output-on-failure -j "$JOBS" -R "$ASAN_TESTS") || status=1
  # Qt has no frame pointers: only the slow unwinder sees our frames under a Qt allocation, which
  # the suppressions of known leaks (tools/sanitizers/lsan.supp) need.
  (cd "$asan_build" && ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0} \
    LSAN_OPTIONS=suppressions=$ROOT/tools/sanitizers/lsan.supp:print_suppressions=0 \
    ctest --output-on-failure -R '^(ui_test|engine_ui_test|window_test|vision_ui_test|moderation_ui_test|chat_store_test|crash_chat)$') || status=1
  return $status
}

cmd=${1:-run}
case "$cmd" in
  deps) install_apt; install_venv ;;
  build) install_apt; install_venv; configure_build ;;
  run)
    install_apt; install_venv; configure_build
    shift || true
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      log "no display found: starting under a virtual X server (xvfb-run)"
      exec xvfb-run -a "$BUILD/app/gui/sightline" "$@"
    fi
    exec "$BUILD/app/gui/sightline" "$@"
    ;;
  test)
    install_apt; install_venv; configure_build
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    exclude=()
    if ! command -v nvidia-smi >/dev/null 2>&1; then
      log "no NVIDIA GPU here: the 'gpu' tests are left out"
      exclude=(-LE gpu)
    fi
    status=0
    log "checking the formatting (tools/format.sh --check)"
    ./tools/format.sh --check || status=1
    (cd "$BUILD" && ctest --output-on-failure -j "$JOBS" "${exclude[@]}") || status=1
    if [ "${SIGHTLINE_SKIP_CUDA_CHECK:-0}" != "1" ]; then
      log "compiling the CUDA build without a GPU (tools/cuda_build_check.sh; SIGHTLINE_SKIP_CUDA_CHECK=1 skips)"
      ./tools/cuda_build_check.sh || status=1
    fi
    test_sanitizers || status=1
    log "fuzzing every parser of outside input (${SIGHTLINE_FUZZ_SECONDS:-10} s a target; tools/fuzz.sh)"
    ./tools/fuzz.sh "${SIGHTLINE_FUZZ_SECONDS:-10}" || status=1
    exit $status
    ;;
  *) echo "usage: $0 run|test|build|deps" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The tree's C++ formatting (.clang-format, Debian 12's clang-format 14).
#   tools/format.sh          reformat every tracked C++/CUDA source in place
#   tools/format.sh --check  change nothing; list the files that differ and exit 1 if any (CI)
# Fuzz corpora and findings are data, not sources: left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FORMAT=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
[ -n "$FORMAT" ] || { echo "format: clang-format is missing (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cu' '*.cuh' | grep -vE '^tests/fuzz/(corpus|findings)/')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    "$FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'format: %s differs from .clang-format\n' "${bad[@]}" >&2
    echo "format: ${#bad[@]} of ${#files[@]} files need tools/format.sh" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files follow .clang-format"
  exit 0
fi
printf '%s\0' "${files[@]}" | xargs -0 -n 32 "$FORMAT" -i

#!/usr/bin/env bash
# Userspace, firmware and test sources follow the root .clang-format (the
# kernel module follows kernel style and is checked by checkpatch instead).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^kernel/')
[ "${#files[@]}" -gt 0 ] || { echo "no sources found (not a git checkout?)" >&2; exit 1; }
clang-format --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files conform"

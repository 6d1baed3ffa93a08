#!/usr/bin/env bash
# Checks that every C++ source and header in the repository follows .clang-format
# (clang-format 14, Debian's). Fix with: tools/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$format" ] || { echo "clang-format-14 is not installed (apt-get install clang-format-14)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' ':!:tests/data/*')
if [ "${1:-}" = "--fix" ]; then
  "$format" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$format" --dry-run -Werror "$f" > /dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'not formatted as .clang-format says (tools/check-format.sh --fix):\n'
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "${#files[@]} files follow .clang-format"

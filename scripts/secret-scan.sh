#!/usr/bin/env bash
# Secret scan of the tree: every tracked file, and every new file git doesn't ignore, checked by
# secretlint (.secretlintrc.json: the recommended preset, plus patterns for any PEM private key,
# AWS key ids, Glidepath master keys, signed JWTs and hard-coded credentials). Files listed in
# .secretlintignore are skipped, each with its reason written there. Fails on any finding; the
# findings are printed masked.
#
#   scripts/secret-scan.sh [DIR]    (DIR: a git work tree; default this repository)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root}"
cd "$dir" || exit 2
bin="$root/node_modules/.bin/secretlint"
[ -x "$bin" ] || { echo "secret scan: secretlint is not installed (npm ci)" >&2; exit 2; }

mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard)
# Deleted but not yet committed files are listed by git and can't be read: leave them out.
present=()
for f in "${files[@]}"; do [ -f "$f" ] && present+=("$f"); done
if [ ${#present[@]} -eq 0 ]; then
  echo "secret scan: no files" >&2
  exit 2
fi
ignore=()
[ -f "$root/.secretlintignore" ] && ignore=(--secretlintignore "$root/.secretlintignore")
out=$(printf '%s\0' "${present[@]}" |
  xargs -0 "$bin" --secretlintrc "$root/.secretlintrc.json" "${ignore[@]}" --no-glob --format compact 2>&1)
status=$?
findings=$(printf '%s\n' "$out" | grep -c ' Error - ' || true)
[ -n "$out" ] && printf '%s\n' "$out"
echo "secret scan: ${#present[@]} files, ${findings} findings"
if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then exit 1; fi

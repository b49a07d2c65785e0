#!/usr/bin/env bash
# Publish wheels into the farm's static index, kept on a branch of this repository
# (FARM_INDEX_BRANCH, default farm-index): `farm index` adds them to the PEP 503/691/658
# pages there, and the branch is pushed. The branch is served as-is by any HTTP server
# (or synced to object storage). Usage: bash ci/publish-index.sh WHEEL...
set -euo pipefail
cd "$(dirname "$0")/.."
(($#)) || { echo "usage: $0 WHEEL..." >&2; exit 2; }
branch=${FARM_INDEX_BRANCH:-farm-index}
wheels=()
for w in "$@"; do wheels+=("$(realpath "$w")"); done
site=$(mktemp -d)
scratch="publish-$$"  # the first publication's orphan branch, local to this run
trap 'git worktree remove --force "$site" >/dev/null 2>&1 || true; git branch -D "$scratch" >/dev/null 2>&1 || true' EXIT
if git fetch --quiet --no-tags --depth=1 origin "refs/heads/$branch" 2>/dev/null; then
  git worktree add --quiet --detach "$site" FETCH_HEAD
else
  git worktree add --quiet --detach "$site"
  git -C "$site" checkout --quiet --orphan "$scratch"
  git -C "$site" rm -rq --cached . && git -C "$site" clean -fdxq
fi
FARM_INDEX="$site" farm index "${wheels[@]}"
git -C "$site" add -A -- . ":(exclude).lock"  # the lock is farm index's own, not a page
if git -C "$site" diff --cached --quiet; then
  echo "the index already has these wheels"
  exit 0
fi
git -C "$site" -c user.name="wheelfarm publish" -c user.email="wheelfarm-publish@users.noreply.github.com" \
  commit --quiet -m "publish $(basename -a "${wheels[@]}" | tr '\n' ' ')"
git -C "$site" push --quiet origin "HEAD:refs/heads/$branch"

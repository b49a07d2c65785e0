#!/usr/bin/env bash
# The bot moves the real stack to upstream's newest releases, with real builds: a farm of its
# own (a clone of this repository on its own branch, the local forge in its .git, its own
# wheelhouse and index) starts from the published wheels of today's recipes, and
# ci/bot_rounds.py plays CI and the maintainers round by round (bot pass, PR builds with
# their tests, merges, publishing) until every migration is retired. Restartable: run it again
# after a kill, or after a maintainer's commit on a PR branch, and it goes on from the farm's
# state.
#
#   SEED=<a wheelhouse of today's recipes> bash ci/stack-bump.sh [FARM_DIR]
#
# FARM_DIR (default ../farms/bump) holds repo/ (the clone), wheelhouse/, index/, .farm/ and
# rounds.log. SEED is copied (hard-linked) in on the first run only; without it, the first
# publish step builds today's stack first (ci/geo-stack.sh's ~20 minutes and more).
# STACK_SKIP="<recipes>" leaves recipes out of the run (a commit of the clone says so).
# Python packages are built for each CPython of recipes/pins.yaml that runs here; with pyenv,
# PYENV_VERSION selects them (PYENV_VERSION=3.11.7:3.12.1: rasterio 1.5 needs 3.12 or newer).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -x "$here/.venv/bin/python" ] || bash "$here/ci/setup.sh"
dir="$(mkdir -p "${1:-$here/../farms/bump}" && cd "${1:-$here/../farms/bump}" && pwd)"
export FARM_WORK="$dir/.farm" FARM_WHEELHOUSE="$dir/wheelhouse" FARM_INDEX="$dir/index"
git_id=(-c user.name=farm-rounds -c user.email=farm-rounds@localhost.invalid)

if [ ! -d "$dir/repo/.git" ]; then
  git clone -q "$here" "$dir/repo"
  if [ -n "${STACK_SKIP:-}" ]; then
    for r in $STACK_SKIP; do git -C "$dir/repo" rm -rq "recipes/$r"; done
    git -C "$dir/repo" "${git_id[@]}" commit -qm "This run leaves out: $STACK_SKIP"
  fi
  mkdir -p "$FARM_WHEELHOUSE"
  if [ -n "${SEED:-}" ]; then
    cp -l "$SEED"/*.whl "$FARM_WHEELHOUSE"/ 2>/dev/null || cp "$SEED"/*.whl "$FARM_WHEELHOUSE"/
    "$here/.venv/bin/farm" index --root "$dir/repo"
  fi
fi
cd "$dir/repo"
"$here/.venv/bin/python" "$here/ci/bot_rounds.py" "$dir/repo" --max-rounds "${STACK_ROUNDS:-40}" 2>&1 | tee -a "$dir/rounds.log"

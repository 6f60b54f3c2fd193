#!/usr/bin/env bash
# Label Studio in its own virtual environment, .venv-labelstudio (git-ignored): it pins many
# packages (Django, ...) that must not meet the project's. Used by the round-trip test of
# polimodal.measure.labelstudio (tests/test_measure_labelstudio.py) and to run a coding project
# by hand: .venv-labelstudio/bin/label-studio start --no-browser
# Every package is pinned (scripts/labelstudio-requirements.txt). Idempotent: a second run only
# checks. Called by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup-labelstudio %(%T)T] %s\n' -1 "$*"; }

VENV=.venv-labelstudio
PY=${PYTHON:-python3}
stamp=$VENV/.polimodal-installed
want=$(cat scripts/labelstudio-requirements.txt scripts/setup-labelstudio.sh | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if [ ! -x $VENV/bin/python ]; then
    log "creating $VENV with $($PY --version)"
    $PY -m venv $VENV
  fi
  log "installing Label Studio into $VENV (large: a few minutes)"
  $VENV/bin/python -m pip install -q --upgrade pip
  $VENV/bin/python -m pip install -q -r scripts/labelstudio-requirements.txt
  # an empty, migrated database that the round-trip test copies: Label Studio's ~300 migrations
  # take minutes on sqlite, a start on a migrated database seconds
  log "migrating an empty Label Studio database into $VENV/template-data"
  rm -rf $VENV/template-data
  ls_dir=$($VENV/bin/python -c 'import label_studio, os; print(os.path.dirname(label_studio.__file__))')
  env -u PYTHONPATH LABEL_STUDIO_BASE_DATA_DIR="$PWD/$VENV/template-data" LATEST_VERSION_CHECK=false \
    COLLECT_ANALYTICS=false SENTRY_DSN= FRONTEND_SENTRY_DSN= \
    $VENV/bin/python "$ls_dir/manage.py" migrate --verbosity 0
  echo "$want" > "$stamp"
fi
log "ready: label-studio $($VENV/bin/python -c 'import importlib.metadata as m; print(m.version("label-studio"))')"

#!/usr/bin/env bash
# The web process: gunicorn serving hub.wsgi:application behind nginx.
# It never migrates: run deploy/migrate.sh once per release, before (re)starting this.
set -euo pipefail
# Run from the project root (the directory above deploy/) so the hub imports from this
# checkout: settings place var/ and staticfiles/ next to it. A virtualenv at .venv is used
# when present (the systemd layout: /opt/hub/.venv).
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
if [[ -x .venv/bin/python ]]; then
    export PATH="$PWD/.venv/bin:$PATH"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-hub.settings}"

exec gunicorn --config deploy/gunicorn.conf.py hub.wsgi:application

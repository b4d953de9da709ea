#!/usr/bin/env bash
# Celery beat: sends the periodic tasks of CELERY_BEAT_SCHEDULE (hub/settings.py).
# Run exactly ONE beat for the whole installation, or every periodic task runs twice.
#   CELERY_BEAT_SCHEDULE_FILE  default: /var/lib/hub/celerybeat-schedule (must be writable)
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

schedule="${CELERY_BEAT_SCHEDULE_FILE:-/var/lib/hub/celerybeat-schedule}"
mkdir -p "$(dirname "$schedule")"
exec celery -A hub beat \
    --schedule "$schedule" \
    --loglevel "${LOG_LEVEL:-INFO}"

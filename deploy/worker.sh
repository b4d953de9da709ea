#!/usr/bin/env bash
# A Celery worker consuming every queue. To split them across machines, run this with
# CELERY_QUEUES set, e.g. CELERY_QUEUES=imports on a box with more memory.
#   CELERY_QUEUES               default: connectors,imports,webhooks,default
#   CELERY_CONCURRENCY          default: number of CPUs
#   CELERY_MAX_TASKS_PER_CHILD  default: 100 (a child process is replaced after that many tasks)
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

exec celery -A hub worker \
    --queues "${CELERY_QUEUES:-connectors,imports,webhooks,default}" \
    -O fair \
    --concurrency "${CELERY_CONCURRENCY:-$(nproc)}" \
    --max-tasks-per-child "${CELERY_MAX_TASKS_PER_CHILD:-100}" \
    --hostname "${CELERY_HOSTNAME:-worker@%h}" \
    --loglevel "${LOG_LEVEL:-INFO}"

#!/usr/bin/env bash
# `make run`: install, migrate the embedded SQLite database, load the demo and serve the hub.
set -euo pipefail
source "$(dirname "$0")/venv.sh" ""
export DEBUG="${DEBUG:-1}"
# The embedded default: SQLite under var/ and in-process tasks, whatever the shell has set.
unset DATABASE_URL REDIS_URL
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
cat <<BANNER

  信易贷 Hub is running at http://127.0.0.1:8000/
  API docs: http://127.0.0.1:8000/api/docs/    Administration: http://127.0.0.1:8000/admin/

BANNER
exec .venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload

#!/usr/bin/env bash
# `make run`: install, migrate the embedded SQLite database, load the demo, start the
# reference platform simulator as the demo connector, and serve the hub.
set -euo pipefail
source "$(dirname "$0")/venv.sh" ""
export DEBUG="${DEBUG:-1}"
# The embedded default: SQLite under var/ and in-process tasks, whatever the shell has set.
unset DATABASE_URL REDIS_URL
SIMULATOR_PORT="${SIMULATOR_PORT:-8100}"

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py load_demo_lending
CDP_SIMULATOR_SECRET="$(.venv/bin/python manage.py register_demo_connector --base-url "http://127.0.0.1:${SIMULATOR_PORT}")"
export CDP_SIMULATOR_SECRET

.venv/bin/python manage.py simulate_platform --host 127.0.0.1 --port "$SIMULATOR_PORT" --key-id demo-hub \
  --seed demo > var/simulator.log 2>&1 &
simulator=$!
trap 'kill "$simulator" 2>/dev/null || true' EXIT INT TERM

cat <<BANNER

  信易贷 Hub is running at http://127.0.0.1:8000/
  API docs: http://127.0.0.1:8000/api/docs/    Administration: http://127.0.0.1:8000/admin/
  Reference platform simulator (demo connector): http://127.0.0.1:${SIMULATOR_PORT} (log: var/simulator.log)

BANNER
.venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload

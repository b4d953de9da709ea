#!/usr/bin/env bash
# `make run`: install, migrate the embedded SQLite database, load the demo, start the
# reference platform simulator as the demo connector and the electronic business licence
# provider simulator, and serve the hub.
set -euo pipefail
source "$(dirname "$0")/venv.sh" ""
export DEBUG="${DEBUG:-1}"
# The simulators listen on loopback, which connectors reach only when allowed explicitly.
export HUB_OUTBOUND_ALLOWED_NETWORKS="${HUB_OUTBOUND_ALLOWED_NETWORKS:-127.0.0.0/8}"
# The embedded default: SQLite under var/ and in-process tasks, whatever the shell has set.
unset DATABASE_URL REDIS_URL
SIMULATOR_PORT="${SIMULATOR_PORT:-8100}"
E_LICENSE_PORT="${E_LICENSE_PORT:-8200}"
NATIONAL_PORT="${NATIONAL_PORT:-8300}"

# The CJK font the enterprises' credit reports embed (HUB_REPORT_FONT): a system package,
# installed here as the tests install Chromium; the hub refuses to start without it.
if [ ! -f "${HUB_REPORT_FONT:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing fonts-wqy-microhei for the credit reports…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null
  else
    echo "The credit reports need a CJK TrueType font: install fonts-wqy-microhei (or set HUB_REPORT_FONT)." >&2
    exit 1
  fi
fi
WEBHOOK_RECEIVER_PORT="${WEBHOOK_RECEIVER_PORT:-8400}"

echo "Preparing the database under var/ …"
.venv/bin/python manage.py migrate --noinput
# The demo bank's own system: a webhook receiver that verifies each delivery with its
# endpoint's secret and logs the events; started first, so the demo's activity reaches it.
.venv/bin/python manage.py webhook_receiver --host 127.0.0.1 --port "$WEBHOOK_RECEIVER_PORT" \
  --log var/webhooks.log > var/webhook_receiver.log 2>&1 &
receiver=$!
trap 'kill "$receiver" 2>/dev/null || true' EXIT INT TERM
.venv/bin/python manage.py load_demo --webhook-url "http://127.0.0.1:${WEBHOOK_RECEIVER_PORT}/webhooks"
.venv/bin/python manage.py load_demo_lending
echo "Loading a year of demo activity (the first time only) …"
.venv/bin/python manage.py load_demo_activity
CDP_SIMULATOR_SECRET="$(.venv/bin/python manage.py register_demo_connector --base-url "http://127.0.0.1:${SIMULATOR_PORT}")"
export CDP_SIMULATOR_SECRET

.venv/bin/python manage.py simulate_platform --host 127.0.0.1 --port "$SIMULATOR_PORT" --key-id demo-hub \
  --seed demo > var/simulator.log 2>&1 &
simulator=$!
trap 'kill "$receiver" "$simulator" 2>/dev/null || true' EXIT INT TERM
# Verify two demo enterprises the way a real one is verified: through the platform's
# identity check (the simulator needs a moment to listen).
for _ in $(seq 1 50); do
  .venv/bin/python -c "import socket; socket.create_connection(('127.0.0.1', ${SIMULATOR_PORT}), 1)" 2>/dev/null && break
  sleep 0.2
done
.venv/bin/python manage.py verify_demo_enterprises

# The simulated electronic business licence provider (OpenID Connect) for the e_license
# verification method; its client secret is made up afresh and passed in the environment.
export HUB_E_LICENSE_ISSUER="http://127.0.0.1:${E_LICENSE_PORT}"
export HUB_E_LICENSE_CLIENT_ID="${HUB_E_LICENSE_CLIENT_ID:-xinyidai-hub}"
HUB_E_LICENSE_CLIENT_SECRET="${HUB_E_LICENSE_CLIENT_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}"
export HUB_E_LICENSE_CLIENT_SECRET
.venv/bin/python manage.py simulate_e_license --host 127.0.0.1 --port "$E_LICENSE_PORT" \
  --client-id "$HUB_E_LICENSE_CLIENT_ID" > var/e_license.log 2>&1 &
e_license=$!
# The simulated national platform node, and the link to it (docs/national-uplink.md): facts go
# up, and two demands posted nationally for the verified demo enterprises come down.
export HUB_NATIONAL_URL="http://127.0.0.1:${NATIONAL_PORT}"
export HUB_NATIONAL_KEY_ID="${HUB_NATIONAL_KEY_ID:-henan-demo}"
export HUB_NATIONAL_REGION_CODE="${HUB_NATIONAL_REGION_CODE:-410000}"
HUB_NATIONAL_SECRET="${HUB_NATIONAL_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}"
export HUB_NATIONAL_SECRET
national_demands=()
for demand in $(.venv/bin/python manage.py shell --verbosity 0 -c "
from hub.models import Verification
for verification in Verification.objects.filter(status='verified').select_related('enterprise').order_by('enterprise_id')[:2]:
    print(f'{verification.uscc}:{verification.enterprise.region_code}:300000.00')
"); do
  national_demands+=(--demand "$demand")
done
.venv/bin/python manage.py simulate_national --host 127.0.0.1 --port "$NATIONAL_PORT" --key-id "$HUB_NATIONAL_KEY_ID" \
  --secret "$HUB_NATIONAL_SECRET" --province "$HUB_NATIONAL_REGION_CODE" "${national_demands[@]}" > var/national.log 2>&1 &
national=$!
# The periodic tasks (health checks, expiries, notices) run in a process of their own: the
# embedded default has no broker for celery beat.
.venv/bin/python manage.py run_schedule > var/schedule.log 2>&1 &
schedule=$!
trap 'kill "$receiver" "$simulator" "$e_license" "$national" "$schedule" 2>/dev/null || true' EXIT INT TERM

cat <<BANNER

  信易贷 Hub is running at http://127.0.0.1:8000/   (Ctrl-C stops it and everything below)
  API docs: http://127.0.0.1:8000/api/docs/    Administration: http://127.0.0.1:8000/admin/
  Reference platform simulator (demo connector): http://127.0.0.1:${SIMULATOR_PORT} (log: var/simulator.log)
  Electronic business licence provider simulator: ${HUB_E_LICENSE_ISSUER} (log: var/e_license.log)
    verify 洛阳待核验商贸: log in as enterprise3, open /verification/, choose the licence, sign in as 周洛
  National platform node simulator: ${HUB_NATIONAL_URL} (log: var/national.log)
    the link's state, parked facts and reconciliation: log in as the operator, open /national/
  Webhook receiver of 中原银行郑州分行 (bank1): http://127.0.0.1:${WEBHOOK_RECEIVER_PORT}/webhooks, events logged to var/webhooks.log
    (signatures verified with the endpoint's secret; manage it at /webhooks/ as bank1)
  Periodic tasks (health checks, expiries, notices, the national link, webhook retries): log var/schedule.log

$(.venv/bin/python manage.py load_demo --logins)

BANNER
.venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload

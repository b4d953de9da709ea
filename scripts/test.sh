#!/usr/bin/env bash
# `make test`: install what the tests need and run the whole suite.
#
# With DATABASE_URL / REDIS_URL set (as .ci/run does) the suite runs on PostgreSQL and Redis
# with a real Celery worker; without them, on SQLite with in-process tasks, and the tests
# that need a real service say which and are skipped. With CI=true nothing may be skipped.
set -euo pipefail
source "$(dirname "$0")/venv.sh" test

# System packages the tests use: Chromium for the browser tests (a test tool's own browser
# download cannot work on offline machines), nginx to syntax-check deploy/nginx, and the CJK
# font the credit reports embed (HUB_REPORT_FONT).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
[ -f "${HUB_REPORT_FONT:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}" ] || missing+=(fonts-wqy-microhei)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} for the tests…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif [ "${CI:-}" = "true" ]; then
    echo "Missing ${missing[*]} and cannot install them (not root)." >&2
    exit 1
  fi
fi
export PATH="$PATH:/usr/sbin"

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: that is a failure." >&2
  exit 1
fi
exit "$status"

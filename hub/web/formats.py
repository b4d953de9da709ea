"""How the pages write numbers people read: money as Chinese finance pages do (万元 once an
amount reaches ten thousand, thousands separators below), in English with separators."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language
from django.utils.translation import gettext as _

TEN_THOUSAND = Decimal(10_000)


def money(value) -> str:
    """``600000`` → ``60万元`` (zh-hans) or ``600,000.00 yuan``; ``1234.5`` → ``1,234.50元``.
    Anything that is not a number is shown as it is; nothing as an em dash."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if (get_language() or "").startswith("zh") and abs(amount) >= TEN_THOUSAND:
        wan = (amount / TEN_THOUSAND).quantize(Decimal("0.01"))
        text = f"{wan:,.2f}".rstrip("0").rstrip(".")
        return _("%(amount)s ten thousand yuan") % {"amount": text}
    return _("%(amount)s yuan") % {"amount": f"{amount:,.2f}"}

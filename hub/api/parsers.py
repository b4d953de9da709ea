"""The API's JSON parser: DRF's, refusing what would otherwise reach the code as a 500 — JSON
nested deeper than Python's recursion allows, and text that is not Unicode (a lone surrogate
escape such as "\\ud800", which no UTF-8 response or database column can hold)."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class Messages:
    TOO_DEEP = _("The JSON is nested too deeply.")
    NOT_UNICODE = _("The JSON holds text that is not valid Unicode (a lone surrogate escape).")


class HubJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(Messages.TOO_DEEP) from None
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(Messages.NOT_UNICODE) from None
        except RecursionError:
            raise ParseError(Messages.TOO_DEEP) from None
        return data

"""The API's pagination: cursors, so deep pages cost what the first does."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response


class CursorPagination(pagination.CursorPagination):
    """``{"results": [...], "next": url-or-null}``, newest first. Cursor pagination keeps
    deep pages as cheap as the first on tables with millions of rows."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) > 1 or not is_whole_number(raw[0]) or not 1 <= int(raw[0]) <= self.max_page_size:
            message = _("page_size must be a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw[0])

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = False
        # Positions are ids (every list is ordered by id): a forged one is refused here, not
        # handed to the database as a number it is not.
        if cursor is False or (
            cursor is not None and cursor.position is not None and not is_whole_number(cursor.position)
        ):
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        return cursor

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }


def is_whole_number(text: str) -> bool:
    # str.isdigit() alone also admits digits int() refuses, such as "²".
    return text.isascii() and text.isdigit()

"""Pages answer the domain's errors in one place: a NotFound raised anywhere under a view is
the 404 page, a Forbidden the 403 page (the API's own handler, hub.errors, does the same in
JSON). Other domain errors are the view's to show next to its form or as a message."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404

from hub.errors import Forbidden, NotFound


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(exception.message))
        if isinstance(exception, Forbidden):
            return response_for_exception(request, PermissionDenied(exception.message))
        return None

"""Pages answer the domain's errors in one place: a NotFound raised anywhere under a view is
the 404 page, a Forbidden the 403 page, a TooManyAttempts no view showed (a login the guard
refused, on a page that calls ``authenticate()`` without a form that shows it) the 429 page
(the API's own handler, hub.errors, does the same in JSON). Other domain errors are the
view's to show next to its form or as a message."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404
from django.shortcuts import render

from hub.errors import Forbidden, NotFound, TooManyAttempts


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
        if isinstance(exception, TooManyAttempts):
            response = render(request, "429.html", {"message": exception.message}, status=429)
            if exception.retry_after:
                response["Retry-After"] = str(exception.retry_after)
            return response
        return None

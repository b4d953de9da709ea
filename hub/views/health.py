"""Operational endpoints (alive, ready) and the error pages, in JSON under /api/."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from hub.cache import redis_reachable
from hub.errors import Messages as ErrorMessages
from hub.errors import json_error_response


@never_cache
def healthz(request):
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready to serve: the database answers (503 ``unavailable`` otherwise). Redis, when it is
    configured, is checked and named too, but without it requests are still served (the cache
    and throttles degrade, tasks wait in the database), so it makes the answer ``degraded``
    with 200: taking every instance out of rotation for it would turn an outage of the cache
    into an outage of the hub."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; the message says which.
        checks["database"] = f"error: {error.__class__.__name__}"
    if settings.REDIS_URL:
        checks["redis"] = redis_reachable(cache)
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif all(value == "ok" for value in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return json_error_response(404, "not_found", ErrorMessages.NOT_FOUND)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return json_error_response(500, "server_error", ErrorMessages.SERVER_ERROR)
    return render(request, "500.html", status=500)


def bad_request(request, exception=None):
    if _wants_json(request):
        return json_error_response(400, "bad_request", ErrorMessages.MALFORMED)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return json_error_response(403, "forbidden", ErrorMessages.FORBIDDEN)
    return render(request, "403.html", status=403)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; the icon is a static file (its
    URL is known only once static files are collected, so it is looked up per request)."""
    return HttpResponsePermanentRedirect(static("hub/favicon.svg"))

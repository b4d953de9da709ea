"""Domain errors and the one exception handler that renders every API error as

    {"error": {"code": "…", "message": "…", "fields": {"field": ["message", …]}}}

Services raise the domain errors below; views never build error bodies themselves.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class HubError(Exception):
    """Base of every error a service may raise on purpose; carries the API's error code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}
        if code:
            self.code = code


class InvalidInput(HubError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"


class NotFound(HubError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Forbidden(HubError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class Conflict(HubError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class UploadTooLarge(HubError):
    """An uploaded file above its limit; ``fields`` names the upload."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "upload_too_large"


class UnsupportedUpload(HubError):
    """An uploaded file whose content is not of an accepted type (whatever its name says)."""

    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_file_type"


class TooManyAttempts(HubError):
    """A limit on attempts (not the request throttle): the caller must wait, ``retry_after``
    seconds when known (the API's Retry-After)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "too_many_attempts"

    def __init__(self, message, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailable(HubError):
    """Nothing outside the hub that this needs answered; try again later. Nothing was stored."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"


class Messages:
    INVALID_INPUT = _("The request has invalid fields.")
    MALFORMED = _("The request body could not be parsed.")
    NOT_AUTHENTICATED = _("Authentication credentials were not provided or are not valid.")
    NOT_FOUND = _("Not found.")
    FORBIDDEN = _("You do not have permission to perform this action.")
    THROTTLED = _("Too many requests; retry after %(seconds)s seconds.")
    SERVER_ERROR = _("An unexpected error occurred; it has been logged.")
    TOO_LARGE = _("The request body is larger than the hub accepts.")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → ``{"admin.username": ["…"]}``."""
    flat: dict[str, list[str]] = {}
    if (
        isinstance(detail, dict)
        and prefix
        and detail
        and all(isinstance(key, int) for key in detail)
        and all(
            isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value)
            for value in detail.values()
        )
    ):
        # Errors of items in a list of plain values: name the list, and the item in the message.
        flat[prefix] = [f"[{index}] {message}" for index, messages in detail.items() for message in messages]
    elif isinstance(detail, dict):
        for name, value in detail.items():
            if name == "non_field_errors" and prefix:
                key = prefix  # the nested object as a whole is at fault: name the object.
            else:
                key = f"{prefix}.{name}" if prefix else str(name)
            flat.update(flatten_field_errors(value, key))
    elif isinstance(detail, list) and detail and all(isinstance(item, (dict, list)) for item in detail):
        for index, value in enumerate(detail):
            flat.update(flatten_field_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, list):
        flat[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", Messages.TOO_LARGE), status=413)
    if isinstance(exc, HubError):
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("invalid", Messages.INVALID_INPUT, fields), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handler logs it and answers in JSON (hub.views.health).

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", Messages.INVALID_INPUT, flatten_field_errors(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = error_body("malformed_request", f"{Messages.MALFORMED} {exc.detail}")
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        body = error_body(
            "not_authenticated", exc.detail if isinstance(exc.detail, str) else Messages.NOT_AUTHENTICATED
        )
    elif isinstance(exc, exceptions.Throttled):
        body = error_body("throttled", Messages.THROTTLED % {"seconds": int(exc.wait or 1)})
    else:
        detail = exc.detail if isinstance(exc.detail, str) else Messages.INVALID_INPUT
        body = error_body(exc.default_code, detail)
    return Response(body, status=exc.status_code, headers=headers)


def json_error_response(status_code: int, code: str, message, fields: dict | None = None) -> JsonResponse:
    """An error in the API's format, for code that runs outside DRF (middleware, handlers)."""
    return JsonResponse(
        error_body(code, message, fields), status=status_code, json_dumps_params={"ensure_ascii": False}
    )

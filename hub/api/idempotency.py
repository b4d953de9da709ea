"""``Idempotency-Key`` for every creating POST of the API, in one place.

The same key from the same caller — the organization, or the user for the hub operator and
anonymous callers by key alone — within ``HUB_IDEMPOTENCY_TTL`` returns the first response
again without running the view; the same key with another request body is a 409. A key is
claimed by inserting its row before the view runs, so two concurrent requests with one key
cannot both do the work: the loser gets a 409 telling it the first is still in progress.

Only successful responses (2xx) are kept: after an error (invalid input, 401, 409, 429, a
5xx) the key is released so that the client may correct the request and retry with it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from hub.api.authentication import resolve_bearer_user
from hub.errors import json_error_response
from hub.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
_KEPT_STATUSES = range(200, 300)


class Messages:
    KEY_TOO_LONG = _("The Idempotency-Key header must be 1 to 255 characters long.")
    KEY_REUSED = _("This Idempotency-Key was already used with a different request.")
    IN_PROGRESS = _("A request with this Idempotency-Key is still being processed.")


def _caller_scope(request) -> str:
    try:
        resolved = resolve_bearer_user(request)
    except exceptions.AuthenticationFailed:
        resolved = None  # DRF answers 401 itself; anonymous scope here is never replayed.
    user = resolved[0] if resolved else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    if user.organization_id:
        return f"org:{user.organization_id}"
    return f"user:{user.pk}"


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.get_full_path()}\n".encode())
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        digest.update(request.body)
    else:
        # A large upload is streamed to disk by the view; reading it here would hold it all
        # in memory, so it is told apart by its size and type instead.
        digest.update(f"{length}\n{request.content_type}".encode())
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            return json_error_response(
                400, "invalid", Messages.KEY_TOO_LONG, {"Idempotency-Key": [str(Messages.KEY_TOO_LONG)]}
            )

        scope, request_hash = _caller_scope(request), _request_hash(request)
        record, created = self._claim(scope, key, request_hash)
        if not created:
            if record.request_hash != request_hash:
                return json_error_response(409, "idempotency_key_reused", Messages.KEY_REUSED)
            if record.state != IdempotencyRecord.State.DONE:
                return json_error_response(409, "idempotency_in_progress", Messages.IN_PROGRESS)
            replay = HttpResponse(
                record.response_body, status=record.response_status, content_type=record.response_content_type
            )
            replay["Idempotent-Replayed"] = "true"
            return replay

        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code in _KEPT_STATUSES and not response.streaming:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                state=IdempotencyRecord.State.DONE,
                response_status=response.status_code,
                response_content_type=response.get("Content-Type", "application/json"),
                response_body=response.content.decode("utf-8"),
            )
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response

    @staticmethod
    def _claim(scope: str, key: str, request_hash: str) -> tuple[IdempotencyRecord, bool]:
        expired_before = timezone.now() - settings.HUB_IDEMPOTENCY_TTL
        IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=expired_before).delete()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=request_hash), True
        except IntegrityError:
            return IdempotencyRecord.objects.get(scope=scope, key=key), False

from __future__ import annotations

import logging
import re
import time
import uuid

from hub.client_address import client_address
from hub.logging import request_id_var

logger = logging.getLogger("hub.request")
# Accept a caller's id (from nginx's $request_id, say) only when it is short and plain.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the caller's ``X-Request-ID`` when sane), logs one line
    per request with it and the client's address, and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _ACCEPTABLE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs failed requests after the middleware chain
        # returns, and those lines should carry the id too. The next request sets its own.
        request_id_var.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "client": client_address(request),
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response

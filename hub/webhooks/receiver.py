"""A webhook receiver on loopback, as a bank's own system would run one: it checks each
request's Standard Webhooks signature with the endpoint's secret, drops a webhook-id it has
seen (a retry or a replay), and writes one JSON line per request to its log. `make run` starts
it (``manage.py webhook_receiver``) for the demo bank's endpoint and names the log.

Its secrets are given (``--secret``, as a bank's system would hold them), or read from the
hub's database for the endpoints registered at the receiver's own URL, at each request, so a
rotation on the page is followed at once (the previous secret verifies during the overlap)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.db import close_old_connections
from django.utils import timezone

from hub.loopback import BackgroundServer
from hub.webhooks.signing import signature_verifies

MAX_BODY_BYTES = 1024 * 1024
# How many webhook-ids it remembers to drop repeats (the oldest are forgotten first).
REMEMBERED_IDS = 100_000


def registered_secrets(url: str) -> list[str]:
    """The secrets that sign deliveries to ``url``: those of every endpoint registered there."""
    from hub.models import WebhookEndpoint
    from hub.services.webhook_deliveries import signing_secrets

    close_old_connections()
    try:
        return [secret for endpoint in WebhookEndpoint.objects.filter(url=url) for secret in signing_secrets(endpoint)]
    finally:
        close_old_connections()


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, *, log_path: Path, path: str, secrets: Callable[[str], list[str]] | list[str]):
        self.log_path, self.path = Path(log_path), path
        self._secrets = secrets
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def secrets(self) -> list[str]:
        return list(self._secrets) if isinstance(self._secrets, list) else self._secrets(self.url)

    def first_time(self, webhook_id: str) -> bool:
        with self._lock:
            if webhook_id in self._seen:
                return False
            self._seen[webhook_id] = None
            if len(self._seen) > REMEMBERED_IDS:
                self._seen.popitem(last=False)
            return True

    def write(self, line: dict) -> None:
        with self._lock, self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


class _Handler(BaseHTTPRequestHandler):
    server: ReceiverServer

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            return self._answer(413, {"error": "too large"})
        body = self.rfile.read(length)
        webhook_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        header = self.headers.get("webhook-signature", "")
        if not (webhook_id and timestamp.isdigit() and header):
            return self._answer(400, {"error": "webhook-id, webhook-timestamp and webhook-signature are required"})
        verified = any(
            signature_verifies(secret, message_id=webhook_id, timestamp=int(timestamp), body=body, header=header)
            for secret in self.server.secrets()
        )
        line = {"received_at": timezone.now().isoformat(), "webhook_id": webhook_id, "verified": verified}
        if not verified:
            self.server.write({**line, "path": self.path})
            return self._answer(401, {"error": "signature does not verify"})
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        first = self.server.first_time(webhook_id)
        self.server.write(
            {
                **line,
                "duplicate": not first,
                "type": payload.get("type"),
                "timestamp": payload.get("timestamp"),
                "data": payload.get("data"),
            }
        )
        # A repeat is acknowledged too: the hub stops sending it, and it was handled the first time.
        return self._answer(200, {"received": webhook_id, "duplicate": not first})

    def _answer(self, status: int, payload: dict) -> None:
        answer = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass  # the JSON lines are the log


class RunningReceiver(BackgroundServer):
    server: ReceiverServer

    @property
    def url(self) -> str:
        return self.server.url


def start_webhook_receiver(
    *, log_path: Path, host: str = "127.0.0.1", port: int = 0, path: str = "/webhooks", secrets: list[str] | None = None
) -> RunningReceiver:
    """Serve on ``host:port`` from a background thread (port 0 picks a free one). Without
    ``secrets``, each request is checked against the endpoints registered at its URL."""
    server = ReceiverServer((host, port), log_path=log_path, path=path, secrets=secrets or registered_secrets)
    return RunningReceiver(server, name="webhook-receiver")

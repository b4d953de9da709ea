"""A webhook receiver on loopback for the tests, and the Standard Webhooks verification
written again from the specification (https://www.standardwebhooks.com/), independently of
hub.webhooks.signing: what a bank's developer would write."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from dataclasses import dataclass, field


def standard_webhooks_verify(secret: str, headers: dict, body: bytes, *, now: int | None = None) -> bool:
    """The spec's verification: the key is the base64 after ``whsec_``; the signed content is
    ``id.timestamp.body``; any space-separated ``v1,`` signature may match; the timestamp
    within five minutes."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs((now or int(time.time())) - int(timestamp)) > 300:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for versioned in headers["webhook-signature"].split(" "):
        version, _, signature = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with the next of ``answers`` ((status, delay seconds)), then 200."""

    server: http.server.ThreadingHTTPServer
    answers: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status, delay = receiver.answers.pop(0) if receiver.answers else (200, 0)
            if delay:
                time.sleep(delay)
            answer = json.dumps({"ok": status < 300, "note": "x" * 800}).encode()
            try:
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver

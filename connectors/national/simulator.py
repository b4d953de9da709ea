"""A national node on loopback (``manage.py simulate_national``): a server of the national
uplink protocol (docs/national-uplink.md) on the standard library's HTTP server, for the
tests, the benchmark and ``make run``.

It keeps what it was sent in memory (each idempotency key once, with its type, day and
answer), acknowledges batches naming accepted and rejected facts, answers a day's counts,
and serves the financing demands it was given behind a cursor. Its switches misbehave as a
real node would: rejecting some facts (a share of them, chosen by key so a fact sent again
gets the same answer, or every fact of some types), answering 503 (a share of requests, or
all of them while ``unavailable`` is set) and answering slowly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from connectors.kinds.cdp_http_v1 import signing
from connectors.national import protocol
from connectors.simulator.server import NONCE_PATTERN, SeenNonces
from hub.loopback import BackgroundServer

logger = logging.getLogger(__name__)

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"
MAX_BODY_BYTES = 64 * 1024 * 1024
DEMANDS_PAGE = 50


@dataclass
class NationalConfig:
    key_id: str
    secret: str
    province: str = "410000"
    # Share of facts rejected (by key: the same fact gets the same answer), and types always rejected.
    reject_rate: float = 0.0
    reject_types: frozenset[str] = frozenset()
    # Share of requests answered 503; ``unavailable`` answers every request 503 while set.
    error_rate: float = 0.0
    unavailable: bool = False
    latency_ms: int = 0
    validate: bool = True
    # Keep every fact as received (for tests); the counts are kept either way.
    keep_facts: bool = True
    seed: str = "national"


@dataclass
class Received:
    fact_type: str
    day: str
    accepted: bool
    times: int = 1


@dataclass
class NationalState:
    by_key: dict[str, Received] = field(default_factory=dict)
    facts: list[dict] = field(default_factory=list)
    batches: Counter[str] = field(default_factory=Counter)
    demands: list[dict] = field(default_factory=list)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)


def _validators() -> dict[str, object]:
    from jsonschema import Draft202012Validator

    validators = {}
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        validators[schema["$id"]] = Draft202012Validator(schema)
    return validators


class NationalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, config: NationalConfig):
        self.config = config
        self.state = NationalState()
        self.lock = threading.Lock()
        self.seen_nonces = SeenNonces()
        self._chance = random.Random(f"national|{config.seed}")
        self.validators = _validators()
        super().__init__(address, NationalRequestHandler)

    def happens(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self.lock:
            return self._chance.random() < rate

    def rejects_by_key(self, key: str) -> bool:
        rate = self.config.reject_rate
        if rate <= 0:
            return False
        digest = hashlib.sha256(f"{self.config.seed}|{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < rate

    def handle_error(self, request, client_address):
        logger.debug("connection from %s failed", client_address, exc_info=True)

    # --- for tests and the command ------------------------------------------------------------

    def add_demand(self, *, demand_id: str, uscc: str, region_code: str, amount: str, term_months: int) -> None:
        with self.lock:
            self.state.demands.append(
                {
                    "demand_id": demand_id,
                    "uscc": uscc,
                    "region_code": region_code,
                    "amount": amount,
                    "term_months": term_months,
                    "posted_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                }
            )

    def received(self) -> dict[str, Received]:
        with self.lock:
            return dict(self.state.by_key)

    def facts(self) -> list[dict]:
        with self.lock:
            return list(self.state.facts)


class NationalRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: NationalServer

    def log_message(self, format, *args):
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self):
        self._respond()

    def do_POST(self):
        self._respond()

    def _respond(self):
        config = self.server.config
        try:
            status, payload = self._answer()
        except Exception:
            logger.exception("national simulator failed on %s %s", self.command, self.path)
            status, payload = 500, {"error": "internal"}
        # Slow after the work: a client that gives up first loses an answer to a batch stored.
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)
        body = protocol.dumps(payload)
        with self.server.lock:
            self.server.state.answers[(urlsplit(self.path).path, status)] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if 200 <= status < 300:
            nonce = self.headers.get(signing.NONCE_HEADER, "")
            self.send_header(signing.SIGNATURE_HEADER, signing.sign_response(config.secret, nonce, body))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> tuple[int, dict]:
        config, server = self.server.config, self.server
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return 413, {"error": "body_too_large"}
        body = self.rfile.read(int(length))
        parts = urlsplit(self.path)
        routes = {
            protocol.BATCHES_PATH: ("POST", self._batch),
            protocol.COUNTS_PATH: ("GET", self._counts),
            protocol.DEMANDS_PATH: ("GET", self._demands),
            protocol.HEALTH_PATH: ("GET", lambda body, query: (200, {"status": "ok", "protocol": protocol.PROTOCOL})),
        }
        if parts.path not in routes:
            return 404, {"error": "not_found"}
        method, handler = routes[parts.path]
        if self.command != method:
            return 405, {"error": "method_not_allowed"}
        if config.unavailable or server.happens(config.error_rate):
            return 503, {"error": "unavailable"}
        if not self._signature_is_valid(body):
            return 401, {"error": "bad_signature"}
        return handler(body, parse_qs(parts.query))

    def _signature_is_valid(self, body: bytes) -> bool:
        config = self.server.config
        timestamp = self.headers.get(signing.TIMESTAMP_HEADER, "")
        nonce = self.headers.get(signing.NONCE_HEADER, "")
        if self.headers.get(signing.KEY_HEADER) != config.key_id or not timestamp.isdigit():
            return False
        if not NONCE_PATTERN.fullmatch(nonce) or abs(time.time() - int(timestamp)) > signing.CLOCK_SKEW_SECONDS:
            return False
        expected = signing.sign_request(config.secret, self.command, self.path, timestamp, nonce, body)
        if not signing.signatures_match(expected, self.headers.get(signing.SIGNATURE_HEADER)):
            return False
        return self.server.seen_nonces.first_use(
            nonce, expires_at=int(timestamp) + signing.CLOCK_SKEW_SECONDS, now=time.time()
        )

    # --- endpoints -------------------------------------------------------------------------------

    def _batch(self, body: bytes, query) -> tuple[int, dict]:
        try:
            batch = json.loads(body)
        except ValueError:
            return 400, {"error": "not_json"}
        if not isinstance(batch, dict) or not isinstance(batch.get("facts"), list) or not batch.get("batch_id"):
            return 400, {"error": "not_a_batch"}
        if batch.get("protocol") != protocol.PROTOCOL or batch.get("province") != self.server.config.province:
            return 400, {"error": "wrong_protocol_or_province"}
        accepted, rejected = [], []
        with self.server.lock:
            self.server.state.batches[batch["batch_id"]] += 1
            for fact in batch["facts"]:
                answer = self._take(fact)
                if answer is None:
                    accepted.append(fact["sequence"])
                elif isinstance(fact, dict) and isinstance(fact.get("sequence"), int):
                    rejected.append({"sequence": fact["sequence"], "reason": answer[0], "detail": answer[1]})
        return 200, {"batch_id": batch["batch_id"], "accepted": accepted, "rejected": rejected}

    def _take(self, fact) -> tuple[str, str] | None:
        """Store one fact (under the server's lock); None when accepted, else (reason, detail)."""
        server, config = self.server, self.server.config
        if not isinstance(fact, dict) or not isinstance(fact.get("sequence"), int):
            return ("schema_invalid", "no sequence")
        key, fact_type = fact.get("idempotency_key"), fact.get("type")
        if not isinstance(key, str) or not isinstance(fact_type, str):
            return ("schema_invalid", "no idempotency_key or type")
        known = server.state.by_key.get(key)
        if known is not None and known.accepted:
            known.times += 1
            return None  # a fact sent again: acknowledged again, stored once
        problem = self._problem(fact)
        day = str(fact.get("occurred_at", ""))[:10]
        if known is not None:
            known.times += 1
            known.accepted = problem is None
        else:
            server.state.by_key[key] = Received(fact_type, day, problem is None)
        if problem is None and config.keep_facts:
            server.state.facts.append(fact)
        return problem

    def _problem(self, fact: dict) -> tuple[str, str] | None:
        server, config = self.server, self.server.config
        if config.validate:
            validator = server.validators.get(fact.get("schema"))
            if validator is None:
                return ("unknown_type", f"no schema {fact.get('schema')!r}")
            error = next(iter(validator.iter_errors(fact.get("data"))), None)
            if error is not None:
                return ("schema_invalid", error.message[:300])
        if fact["type"] in config.reject_types:
            return ("refused", f"facts of type {fact['type']} are not taken")
        if server.rejects_by_key(fact["idempotency_key"]):
            return ("refused", "refused by the national node")
        return None

    def _counts(self, body: bytes, query) -> tuple[int, dict]:
        day = (query.get("day") or [""])[0]
        if len(day) != 10:
            return 400, {"error": "day_required"}
        counts: dict[str, dict[str, int]] = {}
        with self.server.lock:
            for received in self.server.state.by_key.values():
                if received.day == day:
                    row = counts.setdefault(received.fact_type, {"accepted": 0, "rejected": 0})
                    row["accepted" if received.accepted else "rejected"] += 1
        return 200, {"day": day, "counts": counts}

    def _demands(self, body: bytes, query) -> tuple[int, dict]:
        if (query.get("province") or [""])[0] != self.server.config.province:
            return 400, {"error": "wrong_province"}
        cursor = (query.get("cursor") or ["0"])[0]
        start = int(cursor) if cursor.isdigit() else 0
        with self.server.lock:
            demands = self.server.state.demands
            page = demands[start : start + DEMANDS_PAGE]
            more = start + len(page) < len(demands)
        return 200, {"demands": page, "next_cursor": str(start + len(page)), "more": more}


class RunningNationalNode(BackgroundServer):
    server: NationalServer

    def __init__(self, server: NationalServer):
        super().__init__(server, name="national-node")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> NationalConfig:
        return self.server.config


def start_national_node(config: NationalConfig, host: str = "127.0.0.1", port: int = 0) -> RunningNationalNode:
    """Serve a national node from a background thread; port 0 picks a free one."""
    return RunningNationalNode(NationalServer((host, port), config))

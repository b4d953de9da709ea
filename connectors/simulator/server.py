"""The reference platform simulator: a CDP/1 server (CONNECTOR_PROTOCOL.md) on the standard
library's HTTP server.

It serves the made-up records of ``connectors/simulator/data.py`` (with the enterprises of ``subjects.py``) and, when asked to, misbehaves
the way real city platforms do — slow answers, 503s, 429s, malformed and repeated records,
wrong response signatures, enterprises it has never heard of — so that the hub's connector is
tested and benchmarked against the protocol text over real HTTP rather than against a mock.

It follows the protocol strictly where the protocol is explicit, so a hub that works with it
works with a platform written by someone else from the same text.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import random
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from connectors.kinds.cdp_http_v1 import signing
from connectors.simulator.data import records_for
from connectors.simulator.protocol import (
    BREAKAGES,
    DisputeFiled,
    Errors,
    Query,
    QueryError,
    SimulatorConfig,
    broken_record,
    parse_dispute,
    parse_query,
)
from connectors.simulator.subjects import legal_representative_identity
from hub.identifiers import uscc_errors
from hub.loopback import BackgroundServer

logger = logging.getLogger(__name__)

HEALTH_PATH = "/v1/health"
QUERY_PATH = "/v1/records/query"
IDENTITY_PATH = "/v1/identity/verify"
DISPUTES_PATH = "/v1/disputes"
# GET /v1/disputes/{dispute_id}: routed by this key.
DISPUTE_PATH = "/v1/disputes/{dispute_id}"
ENDPOINT_METHODS = {
    HEALTH_PATH: "GET",
    QUERY_PATH: "POST",
    IDENTITY_PATH: "POST",
    DISPUTES_PATH: "POST",
    DISPUTE_PATH: "GET",
}
UPHELD_RESOLUTION = "经核查，该记录有误，已撤回。"
REJECTED_RESOLUTION = "经核查，该记录与原始文书一致，维持原记录。"

NONCE_PATTERN = re.compile(r"[0-9a-f]{32}")
MAX_BODY_BYTES = 1_000_000
RETRY_AFTER_SECONDS = 1
# How long an idle keep-alive connection may hold a handler thread.
IDLE_CONNECTION_SECONDS = 30


# --- the server -------------------------------------------------------------------------------


class SeenNonces:
    """Nonces of accepted requests. Each is kept until its request's timestamp leaves the
    clock-skew window: after that a replay fails the timestamp check anyway."""

    def __init__(self):
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def first_use(self, nonce: str, *, expires_at: float, now: float) -> bool:
        with self._lock:
            if now >= self._next_sweep:
                self._expiry = {seen: until for seen, until in self._expiry.items() if until > now}
                self._next_sweep = now + 60
            if self._expiry.get(nonce, 0) > now:
                return False
            self._expiry[nonce] = expires_at
            return True


@dataclass
class Answer:
    status: int
    payload: dict
    headers: dict[str, str] = field(default_factory=dict)


class SimulatorServer(ThreadingHTTPServer):
    """One simulated platform. ``requests_served`` counts answers by (path, status),
    ``injected`` the misbehaviours it chose and ``purposes_asked`` the record queries by
    the purpose they named, for tests and benchmarks."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], config: SimulatorConfig):
        self.config = config
        self.requests_served: Counter[tuple[str, int]] = Counter()
        self.injected: Counter[str] = Counter()
        self.purposes_asked: Counter[str] = Counter()
        self.seen_nonces = SeenNonces()
        self._lock = threading.Lock()
        # Failure injection draws from its own seeded source, so a single-threaded run
        # misbehaves the same way every time.
        self._chance = random.Random(f"faults|{config.seed}")
        self._connections: set[socket.socket] = set()
        # Disputes received: dispute_id → (what was disputed, when it was received).
        self._disputes: dict[str, tuple[DisputeFiled, float]] = {}
        super().__init__(address, SimulatorRequestHandler)

    def dispute_receive(self, filed: DisputeFiled, now: float) -> None:
        with self._lock:
            self._disputes.setdefault(filed.dispute_id, (filed, now))

    def dispute_answer(self, dispute_id: str, now: float) -> dict | None:
        """Investigating until the delay has passed, then the configured outcome."""
        with self._lock:
            known = self._disputes.get(dispute_id)
        if known is None:
            return None
        received_at = known[1]
        outcome_at = received_at + self.config.dispute_delay
        if now < outcome_at:
            return {"dispute_id": dispute_id, "status": "investigating", "resolution": None, "resolved_at": None}
        upheld = self.config.dispute_outcome == "upheld"
        return {
            "dispute_id": dispute_id,
            "status": self.config.dispute_outcome,
            "resolution": UPHELD_RESOLUTION if upheld else REJECTED_RESOLUTION,
            "resolved_at": datetime.fromtimestamp(outcome_at, UTC).isoformat(),
        }

    def withdrawn(self, now: float) -> set[tuple[str, str, str]]:
        """(uscc, category, source_id) of the records an upheld dispute took out of the answers."""
        if self.config.dispute_outcome != "upheld":
            return set()
        with self._lock:
            disputes = list(self._disputes.values())
        return {
            (filed.uscc, filed.category, filed.source_id)
            for filed, received_at in disputes
            if now >= received_at + self.config.dispute_delay
        }

    def happens(self, rate: float) -> bool:
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        with self._lock:
            return self._chance.random() < rate

    def pick(self, choices):
        with self._lock:
            return self._chance.choice(choices)

    def record_answer(self, path: str, status: int) -> None:
        with self._lock:
            self.requests_served[(path, status)] += 1

    def record_injection(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    def record_purpose(self, purpose: str) -> None:
        with self._lock:
            self.purposes_asked[purpose] += 1

    def purpose_counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.purposes_asked)

    def counters(self) -> tuple[Counter[tuple[str, int]], Counter[str]]:
        """Copies of ``requests_served`` and ``injected``, taken together."""
        with self._lock:
            return Counter(self.requests_served), Counter(self.injected)

    def connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Cut keep-alive connections too, so a stopped platform looks stopped to its clients."""
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # A client that gives up mid-answer (its timeout is shorter than latency_ms) is normal.
        logger.debug("connection from %s failed", client_address, exc_info=True)


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real platform behind nginx would
    timeout = IDLE_CONNECTION_SECONDS
    server: SimulatorServer

    def setup(self):
        super().setup()
        self.server.connection_opened(self.connection)

    def finish(self):
        self.server.connection_closed(self.connection)
        super().finish()

    def log_message(self, format, *args):
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self):
        self._respond()

    def do_POST(self):
        self._respond()

    def do_PUT(self):
        self._respond()

    def do_PATCH(self):
        self._respond()

    def do_DELETE(self):
        self._respond()

    def _respond(self):
        config = self.server.config
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)
        try:
            answer = self._answer()
        except Exception:
            logger.exception("simulator failed on %s %s", self.command, self.path)
            answer = Answer(500, {"error": Errors.INTERNAL})
        body = json.dumps(answer.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # Counted before the answer leaves: a client that has its response sees it counted.
        self.server.record_answer(self.path.split("?", 1)[0], answer.status)
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if 200 <= answer.status < 300:
            secret = f"wrong:{config.secret}" if config.wrong_signature else config.secret
            nonce = self.headers.get(signing.NONCE_HEADER, "")
            self.send_header(signing.SIGNATURE_HEADER, signing.sign_response(secret, nonce, body))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> Answer:
        """Route, misbehave if told to, authenticate, then serve — in that order, because a
        real platform's load balancer fails before its application checks anything."""
        config, server = self.server.config, self.server
        # An unread body would be taken for the next request on this connection: close it.
        length = self.headers.get("Content-Length", "0")
        if self.headers.get("Transfer-Encoding") or not length.isdigit():
            self.close_connection = True
            return Answer(411, {"error": Errors.LENGTH_REQUIRED})
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return Answer(413, {"error": Errors.BODY_TOO_LARGE})
        body = self.rfile.read(int(length))

        path = self.path.split("?", 1)[0]
        endpoint = path[len(config.path_prefix) :] if path.startswith(config.path_prefix) else None
        dispute_id = None
        if endpoint is not None and endpoint.startswith(DISPUTES_PATH + "/") and len(endpoint) > len(DISPUTES_PATH) + 1:
            endpoint, dispute_id = DISPUTE_PATH, unquote(endpoint[len(DISPUTES_PATH) + 1 :])
        if endpoint in (DISPUTES_PATH, DISPUTE_PATH) and not config.disputes:
            return Answer(404, {"error": Errors.NOT_FOUND})
        if endpoint not in ENDPOINT_METHODS:
            return Answer(404, {"error": Errors.NOT_FOUND})
        if self.command != ENDPOINT_METHODS[endpoint]:
            return Answer(405, {"error": Errors.METHOD_NOT_ALLOWED}, {"Allow": ENDPOINT_METHODS[endpoint]})
        if server.happens(config.error_rate):
            server.record_injection("unavailable")
            return Answer(503, {"error": Errors.UNAVAILABLE})
        if server.happens(config.rate_limit_rate):
            server.record_injection("rate_limited")
            return Answer(429, {"error": Errors.RATE_LIMITED}, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if not self._signature_is_valid(body):
            return Answer(401, {"error": Errors.BAD_SIGNATURE})
        if endpoint == HEALTH_PATH:
            capabilities = [
                "records",
                *(["identity"] if config.identity else []),
                *(["disputes"] if config.disputes else []),
            ]
            return Answer(200, {"status": "ok", "categories": list(config.categories), "capabilities": capabilities})
        if endpoint == DISPUTES_PATH:
            try:
                filed = parse_dispute(body)
            except QueryError as error:
                return Answer(400, {"error": str(error)})
            server.dispute_receive(filed, time.time())
            return Answer(202, {"dispute_id": filed.dispute_id, "status": "received"})
        if endpoint == DISPUTE_PATH:
            answer = server.dispute_answer(dispute_id, time.time())
            return Answer(404, {"error": Errors.UNKNOWN_DISPUTE}) if answer is None else Answer(200, answer)
        if endpoint == IDENTITY_PATH:
            return self._identity(body) if config.identity else Answer(404, {"error": Errors.NOT_FOUND})
        try:
            return self._records_page(parse_query(body))
        except QueryError as error:
            return Answer(400, {"error": str(error)})

    def _signature_is_valid(self, body: bytes) -> bool:
        """CONNECTOR_PROTOCOL.md, "Signing": the key, the signature over the canonical request
        (PATH exactly as sent, prefix and query string included), the clock, the nonce."""
        config = self.server.config
        key_id = self.headers.get(signing.KEY_HEADER)
        timestamp = self.headers.get(signing.TIMESTAMP_HEADER, "")
        nonce = self.headers.get(signing.NONCE_HEADER, "")
        now = time.time()
        if key_id != config.key_id or not timestamp.isdigit() or not NONCE_PATTERN.fullmatch(nonce):
            return False
        if abs(now - int(timestamp)) > signing.CLOCK_SKEW_SECONDS:
            return False
        expected = signing.sign_request(config.secret, self.command, self.path, timestamp, nonce, body)
        if not signing.signatures_match(expected, self.headers.get(signing.SIGNATURE_HEADER)):
            return False
        # Only an authentic request uses up its nonce, so forged ones cannot burn the hub's.
        return self.server.seen_nonces.first_use(nonce, expires_at=int(timestamp) + signing.CLOCK_SKEW_SECONDS, now=now)

    def _records_page(self, query: Query) -> Answer:
        config = self.server.config
        self.server.record_purpose(query.purpose)
        if not config.knows(query.uscc):
            return Answer(404, {"error": Errors.UNKNOWN_SUBJECT})
        records = holdings(config, query, withdrawn=self.server.withdrawn(time.time()))
        offset = query.offset(len(records))
        page = records[offset : offset + config.page_size]
        next_offset = offset + len(page)
        previous_page = records[max(0, offset - config.page_size) : offset]
        return Answer(
            200,
            {
                "records": self._misbehave(page, previous_page),
                "next_cursor": query.cursor_for(next_offset) if next_offset < len(records) else None,
            },
        )

    def _identity(self, body: bytes) -> Answer:
        """Two-factor check of the legal representative. The ID number is never logged."""
        try:
            payload = json.loads(body.decode("utf-8"))
        except ValueError:
            return Answer(400, {"error": Errors.IDENTITY_BODY})
        person = payload.get("legal_representative") if isinstance(payload, dict) else None
        uscc = payload.get("uscc") if isinstance(payload, dict) else None
        if (
            not isinstance(uscc, str)
            or uscc_errors(uscc)
            or not isinstance(person, dict)
            or not all(isinstance(person.get(key), str) for key in ("name", "id_number"))
        ):
            return Answer(400, {"error": Errors.IDENTITY_BODY})
        if not self.server.config.knows(uscc):
            return Answer(404, {"error": Errors.UNKNOWN_SUBJECT})
        name, id_number = legal_representative_identity(uscc, self.server.config.seed)
        given = f"{person['name']}\n{person['id_number']}".encode()
        matches = hmac.compare_digest(given, f"{name}\n{id_number}".encode())
        return Answer(200, {"result": "match" if matches else "mismatch"})

    def _misbehave(self, page: list[dict], previous_page: list[dict]) -> list[dict]:
        """Break and repeat records at the configured rates. A repeat is the record itself
        (within the page) or one of the previous page's (across pages, as after a retry)."""
        config, server = self.server.config, self.server
        sent = []
        for record in page:
            if server.happens(config.malformed_rate):
                server.record_injection("malformed")
                sent.append(broken_record(record, server.pick(BREAKAGES)))
                continue
            sent.append(record)
            if server.happens(config.duplicate_rate):
                server.record_injection("duplicate")
                sent.append(server.pick([record, *previous_page]))
        return sent


def holdings(config: SimulatorConfig, query: Query, withdrawn: set[tuple[str, str, str]] = frozenset()) -> list[dict]:
    """Every record the platform would send for ``query``, in one stable order for paging:
    the requested categories it serves, on or after ``since``, without those an upheld
    dispute withdrew."""
    served = [category for category in query.categories if category in config.categories]
    records = [
        record
        for category in served
        for record in _generated_records(query.uscc, category, config.seed)
        if (query.since is None or record["occurred_on"] >= query.since)
        and (query.uscc, category, record["source_id"]) not in withdrawn
    ]
    return sorted(records, key=lambda record: (record["occurred_on"], record["source_id"]))


@functools.lru_cache(maxsize=4096)
def _generated_records(uscc: str, category: str, seed: str) -> tuple[dict, ...]:
    """``records_for`` is pure and a pull asks for the same records once per page, so each
    is generated once. The records are shared between threads: nothing may modify them."""
    return tuple(records_for(uscc, category, seed=seed))


# --- running it -------------------------------------------------------------------------------


class RunningSimulator(BackgroundServer):
    """A simulator serving on a background thread; stopping it cuts its connections too."""

    server: SimulatorServer

    def __init__(self, server: SimulatorServer, host: str):
        super().__init__(server, name="cdp-simulator")
        self._host = "127.0.0.1" if host in ("", "0.0.0.0") else host

    @property
    def config(self) -> SimulatorConfig:
        return self.server.config

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}{self.config.path_prefix}"

    @property
    def stats(self) -> Counter[tuple[str, int]]:
        """A copy of the answers served so far, by (path, status)."""
        return self.server.counters()[0]

    @property
    def injected(self) -> Counter[str]:
        """A copy of the misbehaviours chosen so far: unavailable, rate_limited, malformed, duplicate."""
        return self.server.counters()[1]

    @property
    def purposes_asked(self) -> Counter[str]:
        """A copy of the record queries so far, by the purpose they named."""
        return self.server.purpose_counts()


def start_simulator(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> RunningSimulator:
    """Serve ``config`` on ``host:port`` from a background thread. Port 0 picks a free port,
    so tests can run several platforms at once."""
    return RunningSimulator(SimulatorServer((host, port), config), host)

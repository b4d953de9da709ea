"""A stand-in for the electronic business licence (电子营业执照) identity provider: a small but
real OpenID Connect provider on the standard library's HTTP server, for ``make run`` and for
tests that sign in over loopback.

It speaks the authorization code flow with PKCE (S256) as a real provider does — discovery,
JWKS, a login page, a token endpoint that authenticates the client, an RS256-signed ID token
carrying the licence's claims (``uscc``, ``enterprise_name``, ``role``: 法定代表人 or 经办人,
``name``) — so the hub's client is tested against the protocol, not against a mock. Unlike a
real provider it accepts any http(s) redirect URI (a real one accepts only those registered
for the client) and lets whoever opens the login page be anyone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from hub.loopback import BackgroundServer
from hub.verification.e_license_simulator_login import (
    DEMO_IDENTITIES,
    STYLESHEET,
    STYLESHEET_PATH,
    Identity,
    chosen_identity,
    login_page,
    page,
)

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
CODE_SECONDS = 60
ID_TOKEN_SECONDS = 300
ACCESS_TOKEN_SECONDS = 600
MAX_BODY_BYTES = 64_000
# RFC 7636 §4.1: 43 to 128 unreserved characters.
CODE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# A host and port as a content security policy may name them (nothing that ends a directive).
POLICY_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def login_page_policy(redirect_uri: str = "") -> str:
    """The content security policy of the provider's pages: its own stylesheet, no script at
    all. Their forms post to /authorize, which answers with a redirect to the client; browsers
    hold that redirect to form-action too, so the client's origin is named there."""
    form_action = "'self'"
    target = urlsplit(redirect_uri)
    if target.scheme in ("http", "https") and POLICY_HOST.fullmatch(target.netloc):
        form_action += f" {target.scheme}://{target.netloc}"
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        f"form-action {form_action}; frame-ancestors 'none'"
    )


@dataclass(frozen=True)
class ProviderConfig:
    """``deny``: every sign-in answers ``access_denied`` (the person refused). ``issuer``:
    the URL clients and browsers reach the provider at; by default its own address."""

    client_id: str
    client_secret: str
    identities: tuple[Identity, ...] = DEMO_IDENTITIES
    deny: bool = False
    issuer: str = ""

    def __post_init__(self):
        if not self.client_id or not self.client_secret:
            raise ValueError("client_id and client_secret must not be empty")
        object.__setattr__(self, "identities", tuple(self.identities))


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    location: str = ""
    policy: str = ""

    @classmethod
    def page(cls, status: int, body: bytes, *, redirect_uri: str = "") -> Answer:
        return cls(status, body, HTML, policy=login_page_policy(redirect_uri))

    @classmethod
    def json(cls, status: int, payload: dict) -> Answer:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())

    @classmethod
    def redirect(cls, uri: str, **params: str) -> Answer:
        separator = "&" if urlsplit(uri).query else "?"
        return cls(302, b"", "text/plain", location=uri + separator + urlencode(params))


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, config: ProviderConfig):
        super().__init__(address, ProviderRequestHandler)
        self.config = config
        host = "127.0.0.1" if address[0] in ("", "0.0.0.0") else address[0]
        self.issuer = (config.issuer or f"http://{host}:{self.server_address[1]}").rstrip("/")
        # A fresh key at every start; its kid is its RFC 7638 thumbprint, so a client holding
        # the previous key set sees an unknown kid and fetches the JWKS again.
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        thumbprint_input = json.dumps({k: self.public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
        self.public_jwk |= {
            "kid": _b64(hashlib.sha256(thumbprint_input.encode()).digest()),
            "use": "sig",
            "alg": "RS256",
        }
        self._lock = threading.Lock()
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, dict] = {}

    def issue_code(self, grant: dict) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = grant | {"expires": time.time() + CODE_SECONDS}
        return code

    def redeem_code(self, code: str) -> dict | None:
        """Single use: the first redemption removes the code, whatever its outcome."""
        with self._lock:
            grant = self._codes.pop(code, None)
        return grant if grant and grant["expires"] > time.time() else None

    def issue_access_token(self, claims: dict) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[token] = {"claims": claims, "expires": time.time() + ACCESS_TOKEN_SECONDS}
        return token

    def claims_for_access_token(self, token: str) -> dict | None:
        with self._lock:
            entry = self._access_tokens.get(token)
        return entry["claims"] if entry and entry["expires"] > time.time() else None

    def id_token(self, *, claims: dict, nonce: str, access_token: str) -> str:
        now = int(time.time())
        payload = claims | {
            "iss": self.issuer,
            "aud": self.config.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + ID_TOKEN_SECONDS,
            # OIDC Core §3.1.3.6: the left half of the access token's SHA-256.
            "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16]),
        }
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.public_jwk["kid"]})

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid"],
            "claims_supported": ["sub", "name", "uscc", "enterprise_name", "role", "iss", "aud", "nonce"],
        }


class ProviderRequestHandler(BaseHTTPRequestHandler):
    server: ProviderServer

    def log_message(self, format, *args):
        logger.info("%s " + format, self.address_string(), *args)

    def do_GET(self):
        self._respond(dict(parse_qsl(urlsplit(self.path).query)))

    def do_POST(self):
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return self._send(Answer.json(400, {"error": "invalid_request"}))
        body = self.rfile.read(int(length)).decode("utf-8", "replace")
        self._respond(dict(parse_qsl(body, keep_blank_values=True)))

    def _respond(self, params: dict):
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: Answer.json(200, self.server.discovery()),
            ("GET", "/jwks"): lambda: Answer.json(200, {"keys": [self.server.public_jwk]}),
            ("GET", STYLESHEET_PATH): lambda: Answer(200, STYLESHEET, "text/css; charset=utf-8"),
            ("GET", "/authorize"): lambda: self._authorize(params, signing_in=False),
            ("POST", "/authorize"): lambda: self._authorize(params, signing_in=True),
            ("POST", "/token"): lambda: self._token(params),
            ("GET", "/userinfo"): self._userinfo,
            ("POST", "/userinfo"): self._userinfo,
        }
        route = routes.get((self.command, urlsplit(self.path).path))
        try:
            answer = route() if route else Answer.json(404, {"error": "not_found"})
        except Exception:
            logger.exception("e-licence simulator failed on %s %s", self.command, self.path)
            answer = Answer.json(500, {"error": "server_error"})
        self._send(answer)

    def _send(self, answer: Answer):
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        if answer.location:
            self.send_header("Location", answer.location)
        if answer.policy:
            self.send_header("Content-Security-Policy", answer.policy)
        self.end_headers()
        self.wfile.write(answer.body)

    # --- the authorization endpoint: the login page and its answer ---------------------------

    def _authorize(self, params: dict, *, signing_in: bool) -> Answer:
        config = self.server.config
        redirect_uri = params.get("redirect_uri", "")
        # RFC 6749 §4.1.2.1: with an unknown client or a bad redirect URI, tell the person,
        # never redirect (that would make the provider an open redirector).
        if params.get("client_id") != config.client_id:
            return Answer.page(400, page("<p>未知的客户端(client_id)。</p>"))
        if urlsplit(redirect_uri).scheme not in ("http", "https") or not urlsplit(redirect_uri).netloc:
            return Answer.page(400, page("<p>回调地址(redirect_uri)无效。</p>"))
        state = {"state": params["state"]} if params.get("state") else {}
        if params.get("response_type", "code") != "code":
            return Answer.redirect(redirect_uri, error="unsupported_response_type", **state)
        if "openid" not in params.get("scope", "").split():
            return Answer.redirect(redirect_uri, error="invalid_scope", **state)
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return Answer.redirect(
                redirect_uri, error="invalid_request", error_description="PKCE S256 required", **state
            )
        if config.deny or params.get("action") == "cancel":
            return Answer.redirect(redirect_uri, error="access_denied", error_description="用户拒绝授权", **state)
        if not signing_in:
            return Answer.page(200, login_page(params, config.identities), redirect_uri=redirect_uri)
        identity, problem = chosen_identity(params, config.identities)
        if identity is None:
            return Answer.page(200, login_page(params, config.identities, problem=problem), redirect_uri=redirect_uri)
        code = self.server.issue_code(
            {
                "client_id": config.client_id,
                "redirect_uri": redirect_uri,
                "code_challenge": params["code_challenge"],
                "nonce": params.get("nonce", ""),
                "claims": identity.claims(),
            }
        )
        return Answer.redirect(redirect_uri, code=code, **state)

    # --- the token and userinfo endpoints ----------------------------------------------------

    def _token(self, params: dict) -> Answer:
        config = self.server.config
        client_id, client_secret = self._client_credentials(params)
        if client_id != config.client_id or not hmac.compare_digest(
            client_secret.encode(), config.client_secret.encode()
        ):
            return Answer.json(401, {"error": "invalid_client"})
        if params.get("grant_type") != "authorization_code":
            return Answer.json(400, {"error": "unsupported_grant_type"})
        grant = self.server.redeem_code(params.get("code", ""))
        if grant is None or grant["client_id"] != client_id or grant["redirect_uri"] != params.get("redirect_uri"):
            return Answer.json(400, {"error": "invalid_grant"})
        verifier = params.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if not CODE_VERIFIER.fullmatch(verifier) or not hmac.compare_digest(challenge, grant["code_challenge"]):
            return Answer.json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        access_token = self.server.issue_access_token(grant["claims"])
        id_token = self.server.id_token(claims=grant["claims"], nonce=grant["nonce"], access_token=access_token)
        return Answer.json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_SECONDS,
                "scope": "openid",
                "id_token": id_token,
            },
        )

    def _client_credentials(self, params: dict) -> tuple[str, str]:
        """client_secret_basic (RFC 6749 §2.3.1: each part form-encoded, then Basic) or
        client_secret_post."""
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except ValueError:
                return "", ""
            client_id, _, client_secret = decoded.partition(":")
            return unquote_plus(client_id), unquote_plus(client_secret)
        return params.get("client_id", ""), params.get("client_secret", "")

    def _userinfo(self) -> Answer:
        header = self.headers.get("Authorization", "")
        claims = self.server.claims_for_access_token(header[7:]) if header.startswith("Bearer ") else None
        if claims is None:
            return Answer.json(401, {"error": "invalid_token"})
        return Answer.json(200, claims)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- running it -------------------------------------------------------------------------------


class RunningProvider(BackgroundServer):
    """A provider serving on a background thread."""

    server: ProviderServer

    @property
    def base_url(self) -> str:
        """The issuer: what ``HUB_E_LICENSE_ISSUER`` is set to."""
        return self.server.issuer


def start_e_license_provider(config: ProviderConfig, host: str = "127.0.0.1", port: int = 0) -> RunningProvider:
    """Serve ``config`` on ``host:port`` from a background thread; port 0 picks a free port."""
    return RunningProvider(ProviderServer((host, port), config), name="e-license-provider")

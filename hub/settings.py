"""Settings for every environment, read from the process environment (see README).

Embedded default: no DATABASE_URL → SQLite under var/, no REDIS_URL → tasks run in-process
and the cache is local memory. Production sets both. Keys never live in the repository:
``make run`` / ``make test`` generate ``var/local.env`` for a developer's machine.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from hub import crypto
from hub.client_address import trusted_proxies_parse
from hub.env import env_bool, env_choice, env_int, env_list, env_networks, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
load_env_file(Path(env_str("HUB_ENV_FILE", str(VAR_DIR / "local.env"))))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- encryption and signing keys ------------------------------------------------------------

HUB_CIPHER = env_choice("HUB_CIPHER", crypto.CIPHERS, crypto.AES_256_GCM)
try:
    HUB_ENCRYPTION_KEYS = crypto.parse_keyring(env_str("HUB_ENCRYPTION_KEYS"), HUB_CIPHER)
except ValueError as error:
    raise ImproperlyConfigured(f"HUB_ENCRYPTION_KEYS: {error}") from None
try:
    HUB_BLIND_INDEX_KEY = crypto.parse_secret(env_str("HUB_BLIND_INDEX_KEY"), minimum_bytes=32)
except ValueError as error:
    raise ImproperlyConfigured(f"HUB_BLIND_INDEX_KEY: {error}") from None
# Ed25519 seeds that sign receipts and status lists: the first signs, all are published, so
# receipts signed before a rotation still verify. HUB_SIGNING_KEY (one seed, its key id the
# key's RFC 7638 thumbprint) is the older single-key form, still read when the list is unset.
try:
    if "HUB_SIGNING_KEYS" in os.environ or "HUB_SIGNING_KEY" not in os.environ:
        HUB_SIGNING_KEYS = crypto.parse_signing_keys(env_str("HUB_SIGNING_KEYS"))
    else:
        HUB_SIGNING_KEYS = [(None, crypto.parse_secret(env_str("HUB_SIGNING_KEY"), exact_bytes=32))]
except ValueError as error:
    name = "HUB_SIGNING_KEYS" if "HUB_SIGNING_KEYS" in os.environ else "HUB_SIGNING_KEY"
    raise ImproperlyConfigured(f"{name}: {error}") from None

# HMAC keys of the audit chain: the first hashes new events, all verify (each event names its
# key), so the key rotates by putting a new one first. Not in the database: whoever can write
# the audit table cannot recompute a valid chain.
try:
    HUB_AUDIT_KEYS = crypto.parse_audit_keys(env_str("HUB_AUDIT_KEYS"))
except ValueError as error:
    raise ImproperlyConfigured(f"HUB_AUDIT_KEYS: {error}") from None
# Signed checkpoints of every audit chain head, kept outside the database (hub/audit_checkpoints.py):
# a file each in this directory, and POSTed to the URL when one is set (e.g. the regulator's).
HUB_AUDIT_CHECKPOINT_DIR = Path(env_str("HUB_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
HUB_AUDIT_CHECKPOINT_URL = env_str("HUB_AUDIT_CHECKPOINT_URL", "")
if HUB_AUDIT_CHECKPOINT_URL and not HUB_AUDIT_CHECKPOINT_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"HUB_AUDIT_CHECKPOINT_URL must be an http(s) URL, got {HUB_AUDIT_CHECKPOINT_URL!r}.")
HUB_AUDIT_CHECKPOINT_INTERVAL = timedelta(minutes=env_int("HUB_AUDIT_CHECKPOINT_MINUTES", 60, minimum=1))
# Minutes between runs of the retention purge (connectors/services/retention.py).
HUB_RETENTION_PURGE_MINUTES = env_int("HUB_RETENTION_PURGE_MINUTES", 60, minimum=1)

# Where the public reaches the hub: receipts name their status lists by absolute URL.
HUB_PUBLIC_URL = env_str("HUB_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# --- verification of enterprises ---------------------------------------------------------------

# key → class; the wizard offers them in this order (hub/verification/registry.py).
HUB_VERIFICATION_METHODS = {
    "legal_representative": "connectors.verification.LegalRepresentativeMethod",
    "e_license": "hub.verification.methods.e_license.ELicenseMethod",
    "document_review": "hub.verification.methods.document_review.DocumentReviewMethod",
}
HUB_VERIFICATION_ATTEMPTS_PER_DAY = env_int("HUB_VERIFICATION_ATTEMPTS_PER_DAY", 5, minimum=1)
HUB_VERIFICATION_MAX_UPLOAD_BYTES = env_int("HUB_VERIFICATION_MAX_UPLOAD_MB", 10, minimum=1) * 1024 * 1024
# The 电子营业执照 identity provider (OpenID Connect); the e_license method is offered only
# when an issuer is set.
HUB_E_LICENSE_ISSUER = env_str("HUB_E_LICENSE_ISSUER", "").rstrip("/")
HUB_E_LICENSE_CLIENT_ID = env_str("HUB_E_LICENSE_CLIENT_ID", "")
HUB_E_LICENSE_CLIENT_SECRET = env_str("HUB_E_LICENSE_CLIENT_SECRET", "")
if HUB_E_LICENSE_ISSUER and not (HUB_E_LICENSE_CLIENT_ID and HUB_E_LICENSE_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "HUB_E_LICENSE_CLIENT_ID and HUB_E_LICENSE_CLIENT_SECRET are required with HUB_E_LICENSE_ISSUER."
    )

# --- applications ---------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hub",
    "connectors",
    "lending",
    "whitelist",
]

MIDDLEWARE = [
    "hub.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hub.api.idempotency.IdempotencyMiddleware",
    "hub.web.errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
AUTH_USER_MODEL = "hub.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hub.web.navigation.navigation",
            ],
        },
    },
]

# --- database, cache, tasks -------------------------------------------------------------------

VAR_DIR.mkdir(exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'hub.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with pooled connections checked before use (hub/postgres/base.py).
    DATABASES["default"]["ENGINE"] = "hub.postgres"
    # Persistent connections (DB_POOL=0) are checked at the start of each request; with the
    # pool this must stay off, or psycopg_pool's own slow check would run instead.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = not env_bool("DB_POOL", True)
if DATABASES["default"]["ENGINE"] == "hub.postgres" and env_bool("DB_POOL", True):
    # A connection pool per process (psycopg_pool): a credit pull's source threads and
    # gunicorn's requests borrow connections instead of opening one each.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    pool_min, pool_max = env_int("DB_POOL_MIN_SIZE", 2, minimum=0), env_int("DB_POOL_MAX_SIZE", 20, minimum=1)
    if pool_min > pool_max:  # psycopg_pool would refuse it only at the first query
        raise ImproperlyConfigured(f"DB_POOL_MIN_SIZE ({pool_min}) must not exceed DB_POOL_MAX_SIZE ({pool_max}).")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": pool_min, "max_size": pool_max, "timeout": 10}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the demo's web process and in-process tasks read while another writes. Write
    # transactions begin IMMEDIATE: a deferred one that read first cannot wait for the write
    # lock and fails at once with "database is locked"; an immediate one queues for up to
    # `timeout` seconds, so two concurrent claims end as on PostgreSQL (one wins, one 409).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # The tests' database is a file too, so concurrency tests meet SQLite's real locking.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-hub.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}.")

if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades when Redis is down instead of failing requests (hub/cache.py).
            "BACKEND": "hub.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hub",
            # A Redis that hangs must not hold requests: fail fast, then degrade.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hub"}}

# Celery (hub/celery.py reads every CELERY_* name below).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# A task is acknowledged only when it has finished, so a worker that dies mid-task hands it
# back to the broker; prefetching one keeps a dead worker from taking a backlog with it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis re-delivers an unacknowledged message after the visibility timeout, so every task
# must finish (or be killed) well before it, or it would run twice in parallel.
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660, minimum=1)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_BROKER_VISIBILITY_TIMEOUT must hold."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
# With the broker down, queuing a task gives up within about a second and the task waits in
# the database (hub.DeferredTask) until the schedule sends it: a request is not held long.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# How often one task may be delivered before it is parked instead of run (see hub/celery.py).
HUB_TASK_MAX_DELIVERIES = env_int("HUB_TASK_MAX_DELIVERIES", 3, minimum=1)
# Leased jobs (pulls, imports) whose run died are queued again by the reaper (hub.tasks.
# reap_stranded_jobs) at this interval, so recovery takes about a lease, not a visibility timeout.
HUB_JOB_REAP_SECONDS = env_int("HUB_JOB_REAP_SECONDS", 15, minimum=1)
# A job still queued this long after it was created lost its message (the broker was down).
HUB_JOB_QUEUED_GRACE_SECONDS = env_int("HUB_JOB_QUEUED_GRACE_SECONDS", 120, minimum=10)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "connectors", "imports", "webhooks")]
CELERY_TASK_ROUTES = {
    "hub.webhooks.*": {"queue": "webhooks"},
    "connectors.*": {"queue": "connectors"},
    "whitelist.*": {"queue": "imports"},
}
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-keys": {"task": "hub.tasks.purge_idempotency_keys", "schedule": timedelta(hours=1)},
    "purge-expired-tokens": {"task": "hub.tasks.purge_expired_tokens", "schedule": timedelta(hours=6)},
    "record-authorization-expiry": {"task": "hub.tasks.record_authorization_expiry", "schedule": timedelta(minutes=5)},
    "check-connector-health": {"task": "connectors.check_all_connectors", "schedule": timedelta(minutes=5)},
    "send-credit-repair-notices": {"task": "connectors.send_credit_repair_notices", "schedule": timedelta(hours=6)},
    # Disputes: forward what is still submitted, ask the platforms about open ones (at least
    # every 15 minutes, API.md), remind of overdue ones.
    "track-disputes": {"task": "connectors.track_disputes", "schedule": timedelta(minutes=5)},
    "send-deferred-tasks": {
        "task": "hub.tasks.send_deferred_tasks",
        "schedule": timedelta(seconds=HUB_JOB_REAP_SECONDS),
    },
    "reap-stranded-jobs": {"task": "hub.tasks.reap_stranded_jobs", "schedule": timedelta(seconds=HUB_JOB_REAP_SECONDS)},
    "send-due-webhook-deliveries": {
        "task": "hub.webhooks.send_due_deliveries",
        "schedule": timedelta(seconds=HUB_JOB_REAP_SECONDS),
    },
    "record-deadlines-approaching": {
        "task": "lending.record_deadlines_approaching",
        "schedule": timedelta(minutes=15),
    },
    "record-authorizations-expiring": {
        "task": "hub.tasks.record_authorizations_expiring",
        "schedule": timedelta(hours=1),
    },
    "write-audit-checkpoint": {"task": "hub.tasks.write_audit_checkpoint", "schedule": HUB_AUDIT_CHECKPOINT_INTERVAL},
    "purge-past-retention": {
        "task": "connectors.purge_past_retention",
        "schedule": timedelta(minutes=HUB_RETENTION_PURGE_MINUTES),
    },
}

# --- passwords, sessions, security ----------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production (deploy/hub.env.example) turns these on; off by default so that `make run` and the
# tests speak plain HTTP on loopback. The health endpoints stay reachable over HTTP for the
# container's and systemd's checks, which call gunicorn directly.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Asking browsers to preload the domain is a decision about the whole domain that cannot be
# undone quickly; the operator makes it with SECURE_HSTS_PRELOAD, so its check stays quiet.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Proxies whose X-Forwarded-For is believed (hub/client_address.py): nginx's address in deploy/.
# None by default: a hub reached directly must not let a client name its own address.
try:
    HUB_TRUSTED_PROXIES = trusted_proxies_parse(env_list("HUB_TRUSTED_PROXIES", []))
except ValueError as error:
    raise ImproperlyConfigured(f"HUB_TRUSTED_PROXIES: {error}") from None
# Password guessing (hub/services/logins.py): failed logins counted per client address and per
# account within a window; past the address's limit, logins from it are refused for the rest
# of the window; past the account's, the account is locked for a while.
HUB_LOGIN_WINDOW_SECONDS = env_int("HUB_LOGIN_WINDOW_MINUTES", 15, minimum=1) * 60
HUB_LOGIN_FAILURES_PER_ADDRESS = env_int("HUB_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
HUB_LOGIN_FAILURES_PER_ACCOUNT = env_int("HUB_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
HUB_LOGIN_LOCK_SECONDS = env_int("HUB_LOGIN_LOCK_MINUTES", 15, minimum=1) * 60
AUTHENTICATION_BACKENDS = ["hub.backends.GuardedModelBackend"]

# The content security policy of every response (django-csp's middleware): scripts, styles,
# fonts and connections from the hub's own origin only, and no inline script or style at all,
# so injected markup cannot run (tests/test_no_inline_code.py keeps the pages that way).
# HUB_CSP_REPORT_ONLY sends it as Content-Security-Policy-Report-Only instead, for a rollout
# that only reports; HUB_CSP_REPORT_URI names where browsers send reports of violations.
HUB_CSP_REPORT_ONLY = env_bool("HUB_CSP_REPORT_ONLY", False)
HUB_CSP_REPORT_URI = env_str("HUB_CSP_REPORT_URI", "")
if HUB_CSP_REPORT_URI and not re.fullmatch(r"(https?://[^\s/;,]+)?/[^\s;,]*", HUB_CSP_REPORT_URI):
    raise ImproperlyConfigured(
        f"HUB_CSP_REPORT_URI must be an http(s) URL or a path starting with /, got {HUB_CSP_REPORT_URI!r}."
    )
_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": [HUB_CSP_REPORT_URI] if HUB_CSP_REPORT_URI else None,
    }
}
CONTENT_SECURITY_POLICY = None if HUB_CSP_REPORT_ONLY else _CONTENT_SECURITY_POLICY
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CONTENT_SECURITY_POLICY if HUB_CSP_REPORT_ONLY else None
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, minimum=1024)

# Credit pulls: how many sources one pull asks at once, retries of transient failures
# (exponential backoff with full jitter, Retry-After honoured up to the cap), the circuit
# breaker per connector, and the HTTP timeout of one call.
HUB_PULL_MAX_PARALLEL = env_int("HUB_PULL_MAX_PARALLEL", 16, minimum=1)
# Leases are renewed while a run works (every third of the lease), so they can be short: a run
# that died is found within a lease.
HUB_PULL_LEASE_SECONDS = env_int("HUB_PULL_LEASE_SECONDS", 30, minimum=3)
HUB_CONNECTOR_TIMEOUT_SECONDS = env_int("HUB_CONNECTOR_TIMEOUT_SECONDS", 10, minimum=1)
HUB_CONNECTOR_RETRY_ATTEMPTS = env_int("HUB_CONNECTOR_RETRY_ATTEMPTS", 5, minimum=1)
HUB_CONNECTOR_RETRY_BASE_SECONDS = float(env_int("HUB_CONNECTOR_RETRY_BASE_MS", 250, minimum=1)) / 1000
HUB_CONNECTOR_RETRY_CAP_SECONDS = float(env_int("HUB_CONNECTOR_RETRY_CAP_MS", 8000, minimum=1)) / 1000
HUB_CIRCUIT_THRESHOLD = env_int("HUB_CIRCUIT_THRESHOLD", 8, minimum=1)
HUB_CIRCUIT_COOLDOWN_SECONDS = env_int("HUB_CIRCUIT_COOLDOWN_SECONDS", 30, minimum=1)
# Where outbound requests (HTTP connectors, webhooks) may reach (hub/net/addresses.py): only
# public addresses over https, unless an address lies in one of these networks (a platform on
# a government intranet, the simulators and the demo's receiver on loopback); loopback is
# allowed with DEBUG as well. HUB_CONNECTOR_ALLOWED_NETWORKS is the older name, still read
# when the new one is unset. File drops only below this directory.
if "HUB_OUTBOUND_ALLOWED_NETWORKS" in os.environ or "HUB_CONNECTOR_ALLOWED_NETWORKS" not in os.environ:
    HUB_OUTBOUND_ALLOWED_NETWORKS = env_networks("HUB_OUTBOUND_ALLOWED_NETWORKS", [])
else:
    HUB_OUTBOUND_ALLOWED_NETWORKS = env_networks("HUB_CONNECTOR_ALLOWED_NETWORKS", [])
# Webhooks (hub/webhooks/): the timeout of one delivery (no redirect is followed), how long a
# delivery is retried (exponential backoff with full jitter between BASE and CAP) before it is
# dead-lettered, the lease of one attempt, and how long a rotated-out secret still signs.
HUB_WEBHOOK_TIMEOUT_SECONDS = env_int("HUB_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
HUB_WEBHOOK_RETRY_SECONDS = env_int("HUB_WEBHOOK_RETRY_HOURS", 72, minimum=1) * 3600
HUB_WEBHOOK_RETRY_BASE_SECONDS = float(env_int("HUB_WEBHOOK_RETRY_BASE_MS", 5000, minimum=1)) / 1000
HUB_WEBHOOK_RETRY_CAP_SECONDS = float(env_int("HUB_WEBHOOK_RETRY_CAP_MS", 6 * 3600 * 1000, minimum=1)) / 1000
HUB_WEBHOOK_LEASE_SECONDS = env_int("HUB_WEBHOOK_LEASE_SECONDS", 30, minimum=3)
HUB_WEBHOOK_ROTATION_OVERLAP = timedelta(hours=env_int("HUB_WEBHOOK_ROTATION_OVERLAP_HOURS", 24, minimum=0))
HUB_FILE_DROP_ROOT = Path(env_str("HUB_FILE_DROP_ROOT", str(VAR_DIR / "file_drop")))
# The TrueType font (or collection, its first face) embedded, subset, in enterprises' credit
# reports: it must hold the CJK glyphs. Debian's fonts-wqy-microhei, which scripts/test.sh,
# scripts/run.sh and deploy/ install; a missing file fails the system check and refuses reports.
HUB_REPORT_FONT = Path(env_str("HUB_REPORT_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))

# The link with the national platform (docs/national-uplink.md): off unless HUB_NATIONAL_URL is
# set; then the hub records facts in its outbox and sends them up, and takes the province's
# demands down. The national platform issues the key id and secret (HMAC-SHA256, as CDP/1).
HUB_NATIONAL_URL = env_str("HUB_NATIONAL_URL", "").rstrip("/")
HUB_NATIONAL_KEY_ID = env_str("HUB_NATIONAL_KEY_ID", "")
HUB_NATIONAL_SECRET = env_str("HUB_NATIONAL_SECRET", "")
HUB_NATIONAL_REGION_CODE = env_str("HUB_NATIONAL_REGION_CODE", "")
if HUB_NATIONAL_URL:
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", HUB_NATIONAL_URL):
        raise ImproperlyConfigured(f"HUB_NATIONAL_URL must be an http(s) URL, got {HUB_NATIONAL_URL!r}.")
    for _name in ("HUB_NATIONAL_KEY_ID", "HUB_NATIONAL_SECRET"):
        if not os.environ.get(_name):
            raise ImproperlyConfigured(f"{_name} is required with HUB_NATIONAL_URL.")
    if not re.fullmatch(r"\d{2}0000", HUB_NATIONAL_REGION_CODE):
        raise ImproperlyConfigured(
            f"HUB_NATIONAL_REGION_CODE must be the province's six-digit code (410000) with HUB_NATIONAL_URL, "
            f"got {HUB_NATIONAL_REGION_CODE!r}."
        )
HUB_NATIONAL_BATCH_SIZE = env_int("HUB_NATIONAL_BATCH_SIZE", 500, minimum=1)
if HUB_NATIONAL_BATCH_SIZE > 10_000:
    raise ImproperlyConfigured(f"HUB_NATIONAL_BATCH_SIZE must be at most 10000, got {HUB_NATIONAL_BATCH_SIZE}.")
HUB_NATIONAL_SEND_SECONDS = env_int("HUB_NATIONAL_SEND_SECONDS", 10, minimum=1)
HUB_NATIONAL_LEASE_SECONDS = env_int("HUB_NATIONAL_LEASE_SECONDS", 30, minimum=3)
HUB_NATIONAL_RETRY_CAP_SECONDS = env_int("HUB_NATIONAL_RETRY_CAP_SECONDS", 300, minimum=1)
HUB_NATIONAL_WHITELIST_ENTRIES = env_bool("HUB_NATIONAL_WHITELIST_ENTRIES", False)
HUB_NATIONAL_DOWNLINK = env_bool("HUB_NATIONAL_DOWNLINK", True)
# The national link's schedule (the tasks do nothing while HUB_NATIONAL_URL is unset).
CELERY_BEAT_SCHEDULE.update(
    {
        "send-national-uplink": {
            "task": "connectors.send_national_uplink",
            "schedule": timedelta(seconds=HUB_NATIONAL_SEND_SECONDS),
        },
        "pull-national-demands": {
            "task": "connectors.pull_national_demands",
            "schedule": timedelta(seconds=HUB_NATIONAL_SEND_SECONDS),
        },
        "reconcile-national": {"task": "connectors.reconcile_national_yesterday", "schedule": timedelta(hours=6)},
        "record-national-monthly-statistics": {
            "task": "lending.record_national_monthly_statistics",
            "schedule": timedelta(hours=6),
        },
    }
)

# Lending: working days a bank has to accept or reject an application, and days to record
# first contact with an enterprise of a match (from an event or a whitelist).
LENDING_ACCEPT_WORKING_DAYS = env_int("LENDING_ACCEPT_WORKING_DAYS", 3, minimum=1)
LENDING_CONTACT_DAYS = env_int("LENDING_CONTACT_DAYS", 30, minimum=1)
# Banks' monthly loan reports: rows in one batch (JSON or CSV) and the largest CSV accepted
# (413 above either).
LENDING_REPORT_MAX_ROWS = env_int("LENDING_REPORT_MAX_ROWS", 5000, minimum=1)
LENDING_REPORT_MAX_UPLOAD_BYTES = env_int("LENDING_REPORT_MAX_UPLOAD_MB", 5, minimum=1) * 1024 * 1024

# Whitelists: the largest upload accepted (413 above it) and the default days banks have
# to contact a newly listed enterprise.
WHITELIST_MAX_UPLOAD_BYTES = env_int("WHITELIST_MAX_UPLOAD_MB", 50, minimum=1) * 1024 * 1024
WHITELIST_CONTACT_DAYS = env_int("WHITELIST_CONTACT_DAYS", 30, minimum=1)
# How long an import run holds its lease (renewed while it works; a dead run's import resumes after it).
WHITELIST_IMPORT_LEASE_SECONDS = env_int("WHITELIST_IMPORT_LEASE_SECONDS", 30, minimum=3)
# What a whitelist file may expand to, refused with an error naming the limit: rows below
# the header, cells a row holds, characters a cell holds (Excel's own limit), and for an
# XLSX (a ZIP archive) its parts' expanded size together and a part's compression ratio.
# The defaults take a whitelist of millions of rows; a bomb stops at them.
WHITELIST_MAX_ROWS = env_int("WHITELIST_MAX_ROWS", 5_000_000, minimum=1)
WHITELIST_MAX_COLUMNS = env_int("WHITELIST_MAX_COLUMNS", 100, minimum=5)
WHITELIST_MAX_CELL_CHARS = env_int("WHITELIST_MAX_CELL_CHARS", 32_767, minimum=500)
WHITELIST_MAX_EXPANDED_BYTES = env_int("WHITELIST_MAX_EXPANDED_MB", 2048, minimum=1) * 1024 * 1024
WHITELIST_MAX_COMPRESSION_RATIO = env_int("WHITELIST_MAX_COMPRESSION_RATIO", 200, minimum=2)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

HUB_TOKEN_TTL = timedelta(hours=env_int("HUB_TOKEN_TTL_HOURS", 12, minimum=1))
HUB_IDEMPOTENCY_TTL = timedelta(hours=24)

# --- internationalization -------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files (served by the app itself: no CDN, intranets are often offline) ---------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "hub.api.throttling.OrganizationRateThrottle",
        "hub.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "organization": env_str("HUB_THROTTLE_ORGANIZATION", "600/min"),
        "anonymous": env_str("HUB_THROTTLE_ANONYMOUS", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "hub.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "hub.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hub.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only; the upload endpoints name their multipart parser themselves.
    "DEFAULT_PARSER_CLASSES": ["hub.api.parsers.HubJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "信易贷 Hub API",
    "DESCRIPTION": "SME financing credit service hub: organizations, consent, credit data, lending, whitelists.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "hub.categories.Category",
        "OrganizationKindEnum": "hub.models.organizations.Organization.Kind",
        "CreatableOrganizationKindEnum": ["bank", "regulator", "platform"],
        "AuthorizationStatusEnum": "hub.models.authorizations.Authorization.Status",
        "NotificationKindEnum": "hub.models.notifications.Notification.Kind",
        "WebhookEndpointStatusEnum": "hub.models.webhooks.WebhookEndpoint.Status",
        "WebhookDeliveryStatusEnum": "hub.models.webhooks.WebhookDelivery.Status",
        "WebhookEventTypeEnum": "hub.webhooks.catalogue.EVENT_TYPE_CHOICES",
        "WebhookEventTypeOrTestEnum": "hub.webhooks.catalogue.ALL_EVENT_TYPES",
        "VerificationStatusEnum": "hub.models.verification.Verification.Status",
        "DocumentReviewStatusEnum": "hub.models.verification.DocumentReview.Status",
        "SignerRoleEnum": "hub.models.verification.Signer.Role",
        "UserRoleEnum": "hub.models.users.User.Role",
        "ConnectorKindEnum": "connectors.registry.KIND_CHOICES",
        "ConnectorStatusEnum": "connectors.models.connectors.Connector.Status",
        "ConnectorHealthEnum": "connectors.models.connectors.Connector.Health",
        "DisputeStatusEnum": "connectors.models.disputes.Dispute.Status",
        "DisputeRouteEnum": "connectors.models.disputes.Dispute.Route",
        "DisputeCorrectionEnum": "connectors.models.disputes.Dispute.Correction",
        "DisputeDecisionEnum": ["upheld", "rejected"],
        "DecisionEnum": ["approve", "reject"],
        "PullStatusEnum": "connectors.models.pulls.PullStatus",
        "ProductCategoryEnum": "lending.models.products.ProductCategory",
        "GuaranteeEnum": "lending.models.products.Guarantee",
        "LoanStatusEnum": "lending.models.loans.LoanStatus",
        "ProductStatusEnum": "lending.models.products.LoanProduct.Status",
        "ApplicationStatusEnum": "lending.models.applications.Application.Status",
        "MatchStatusEnum": "lending.models.matches.Match.Status",
        "MatchSourceEnum": "lending.models.matches.Match.Source",
        "WhitelistKindEnum": "whitelist.models.whitelists.Whitelist.Kind",
        "WhitelistStatusEnum": "whitelist.models.whitelists.Whitelist.Status",
        "ImportStatusEnum": "whitelist.models.imports.WhitelistImport.Status",
    },
}

# --- logging: one JSON object per line, each with the request id ------------------------------

LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hub.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

"""Helpers the deploy tests share."""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


DEPLOY = ROOT / "deploy"


SCRIPTS = ("web.sh", "worker.sh", "beat.sh", "migrate.sh")


UNITS = {"hub-web.service": "web.sh", "hub-worker.service": "worker.sh", "hub-beat.service": "beat.sh"}


QUEUES = {"connectors", "imports", "default", "webhooks"}


SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HUB_CIPHER",
    "HUB_ENCRYPTION_KEYS",
    "HUB_BLIND_INDEX_KEY",
    "HUB_SIGNING_KEYS",
    "HUB_AUDIT_KEYS",
    "HUB_AUDIT_CHECKPOINT_DIR",
    "HUB_PUBLIC_URL",
    "LOG_LEVEL",
    "HUB_TRUSTED_PROXIES",
)


SECRET_VARIABLES = ("SECRET_KEY", "HUB_ENCRYPTION_KEYS", "HUB_BLIND_INDEX_KEY", "HUB_SIGNING_KEYS", "HUB_AUDIT_KEYS")


# Where a systemd installation keeps the checkout (WorkingDirectory of every unit).
INSTALL_DIR = "/opt/hub"


# Where the image keeps it (WORKDIR in the Dockerfile).
IMAGE_DIR = "/app"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return parser


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = DEPLOY / "gunicorn.conf.py"
    namespace: dict = {"__file__": str(path), "__name__": "gunicorn_conf"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def _nginx_text_without_comments() -> str:
    lines = []
    for line in (DEPLOY / "nginx" / "hub.conf").read_text(encoding="utf-8").splitlines():
        lines.append(re.sub(r"(^|\s)#.*$", "", line))
    return "\n".join(lines)


def _env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "hub.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def production_env(**overrides: str) -> dict[str, str]:
    """deploy/hub.env.example as a process environment: its placeholders replaced by fresh
    keys, no Redis, no local env file; ``overrides`` win."""
    import base64
    import secrets

    values = _env_example()
    values.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        HUB_ENCRYPTION_KEYS="k1:" + base64.b64encode(os.urandom(32)).decode(),
        HUB_BLIND_INDEX_KEY=base64.b64encode(os.urandom(32)).decode(),
        HUB_SIGNING_KEYS="s1:" + base64.b64encode(os.urandom(32)).decode(),
        HUB_AUDIT_KEYS="a1:" + base64.b64encode(os.urandom(32)).decode(),
        DATABASE_URL="sqlite:///:memory:",
        HUB_ENV_FILE="/nonexistent",
        PATH=os.environ["PATH"],
    )
    values.pop("REDIS_URL", None)
    return values | overrides


def _script_in_checkout(path: str, prefix: str) -> Path:
    assert path.startswith(prefix + "/"), f"{path} is not inside {prefix}"
    return ROOT / path[len(prefix) + 1 :]

"""The one reader of the process environment.

Every setting the hub takes from outside goes through these functions, so that a malformed
value fails start-up with ``ImproperlyConfigured`` naming the variable instead of surfacing
later as an odd runtime error.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_env_file(path: Path) -> None:
    """Read ``KEY=value`` lines from a local file into the environment.

    The real environment always wins: a file only fills variables that are not set. The
    README's commands write ``var/local.env`` with freshly generated keys so that a new
    checkout runs without any secret in the repository.
    """
    if not path.exists():
        return
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=value, got {line!r}")
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


def _raw(name: str, default):
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default
    return value


def env_str(name: str, default=_MISSING) -> str:
    return _raw(name, default)


def env_bool(name: str, default: bool | object = _MISSING) -> bool:
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {value!r}.")


def env_int(name: str, default: int | object = _MISSING, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    if isinstance(value, int):
        return value
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
    return number


def env_list(name: str, default: list[str] | object = _MISSING) -> list[str]:
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str | object = _MISSING) -> str:
    value = _raw(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def env_networks(name: str, default: list | object = _MISSING) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of networks in CIDR notation (``127.0.0.0/8,10.20.0.0/16``); a
    single address is a network of one. Host bits set (``10.1.2.3/8``) are refused as a typo."""
    networks = []
    for item in env_list(name, default):
        if not isinstance(item, str):
            networks.append(item)
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=True))
        except ValueError as error:
            raise ImproperlyConfigured(f"{name} must list networks such as 10.20.0.0/16; {item!r}: {error}.") from None
    return networks

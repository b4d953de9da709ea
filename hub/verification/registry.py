"""The registry of verification methods: a key → the dotted path of its class, read from
``settings.HUB_VERIFICATION_METHODS`` (the project names the apps; a method that asks the
city platforms lives in ``connectors``, which hub may not import). Adding a method is a
module and a settings line; a system check imports every path at start-up."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings
from django.core import checks


class NotRegistered(KeyError):
    """No verification method is registered under that key."""


def keys() -> list[str]:
    return list(settings.HUB_VERIFICATION_METHODS)


@cache
def get(key: str) -> type:
    try:
        dotted_path = settings.HUB_VERIFICATION_METHODS[key]
    except KeyError:
        raise NotRegistered(key) from None
    module_path, class_name = dotted_path.rsplit(".", 1)
    return getattr(import_module(module_path), class_name)


def available() -> list[type]:
    """The methods configured on this hub, in the settings' order (the wizard's order)."""
    return [method for method in map(get, keys()) if method.is_available()]


@checks.register()
def check_verification_methods(app_configs=None, **kwargs):
    from hub.verification.base import VerificationMethod

    errors = []
    for key, dotted_path in settings.HUB_VERIFICATION_METHODS.items():
        try:
            method = get(key)
        except (ImportError, AttributeError, ValueError) as error:
            errors.append(
                checks.Error(f"Verification method {key!r}: cannot import {dotted_path}: {error}", id="hub.E101")
            )
            continue
        if not (isinstance(method, type) and issubclass(method, VerificationMethod)) or method.key != key:
            errors.append(
                checks.Error(
                    f"Verification method {key!r}: {dotted_path} is not a VerificationMethod keyed {key!r}",
                    id="hub.E102",
                )
            )
    return errors

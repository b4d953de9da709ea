"""The registry of connector kinds: a kind key → the dotted path of its class, imported on
first use. Adding a kind is adding a module under connectors/kinds/ and a line here; the
model's choices derive from this table, and a system check imports every path at start-up."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.core import checks
from django.utils.translation import gettext_lazy as _

KINDS: dict[str, tuple[str, str]] = {
    # key: (dotted path, label)
    "cdp_http_v1": ("connectors.kinds.cdp_http_v1.client.CdpHttpV1Connector", _("CDP/1 over HTTPS")),
    "file_drop": ("connectors.kinds.file_drop.client.FileDropConnector", _("File drop (front-end directory)")),
}


KIND_CHOICES = [(key, label) for key, (_path, label) in KINDS.items()]


class NotRegistered(KeyError):
    """No connector kind is registered under that key."""


def choices() -> list[tuple[str, str]]:
    return list(KIND_CHOICES)


def keys() -> list[str]:
    return list(KINDS)


@cache
def get(kind: str) -> type:
    try:
        dotted_path = KINDS[kind][0]
    except KeyError:
        raise NotRegistered(kind) from None
    module_path, class_name = dotted_path.rsplit(".", 1)
    return getattr(import_module(module_path), class_name)


@checks.register()
def check_connector_kinds(app_configs=None, **kwargs):
    from connectors.base import Connector

    errors = []
    for kind, (dotted_path, _label) in KINDS.items():
        try:
            connector_class = get(kind)
        except (ImportError, AttributeError) as error:
            errors.append(
                checks.Error(f"Connector kind {kind!r}: cannot import {dotted_path}: {error}", id="connectors.E001")
            )
            continue
        if not issubclass(connector_class, Connector):
            errors.append(
                checks.Error(f"Connector kind {kind!r}: {dotted_path} is not a Connector", id="connectors.E002")
            )
    return errors

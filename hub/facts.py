"""Facts about the hub's own domain (enterprises registered, verified, suspended) that another
part of the system reports beyond the hub: the national uplink (docs/national-uplink.md),
which the connectors app owns. The hub may not import connectors, so the uplink registers its
recorder here in its AppConfig.ready(), and the hub's services call ``fact_report`` in the
transaction of the change, which is where the recorder writes its outbox row."""

from __future__ import annotations

from collections.abc import Callable

ENTERPRISE_REGISTRATION = "enterprise_registration"
ENTERPRISE_VERIFICATION = "enterprise_verification"

_recorders: list[Callable[[str, object], None]] = []


def register_fact_recorder(recorder: Callable[[str, object], None]) -> None:
    """The one recorder (registering again replaces it, so a reloaded app does not record twice)."""
    _recorders[:] = [recorder]


def fact_report(kind: str, subject: object) -> None:
    """Report a change of ``subject`` (an Organization for a registration, a Verification for
    a verification's change); a no-op unless a recorder is registered and configured."""
    for recorder in _recorders:
        recorder(kind, subject)

"""Connectors: how the hub reaches city platforms.

``base`` (what a kind implements), ``registry`` and ``kinds/<kind>/`` (one client per kind,
the only code that talks to a platform), ``models/`` (connectors, pulls, records),
``services/`` (registering, pulls with their fan-out and leases, records, profiles, the
legal representative check, credit repair notices), ``selectors/``, ``audit`` (its events),
``verification`` (the ``legal_representative`` method), ``simulator/`` (the reference
platform), and the endpoints: ``apis``, ``identity_apis``, ``views``, ``identity_views``.
It imports only hub."""

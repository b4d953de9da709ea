"""The hub: the Django project and the core domain every app builds on.

- The project: ``settings`` (everything from the environment, read by ``env``), ``urls``
  (the one table that names every app), ``celery``, ``wsgi``, ``middleware`` and ``logging``.
- The kit, with no endpoints: ``web/`` for pages (role access, domain errors as 404/403,
  forms to services, charts, pagination) and ``api/`` for the API (schema and error
  responses, base views, fields, authentication, throttling, idempotency, exports), plus
  ``errors`` (the domain errors both map) and ``loopback`` (simulators' servers).
- The core domain: ``models/``, ``services/`` (writes) and ``selectors/`` (reads) of
  organizations, people, consent, verification (``verification/``: its methods as plugins),
  notices and jobs; ``audit`` (the hash-chained log), ``crypto`` and ``fields`` (encryption
  at rest), ``receipts`` and ``status_lists`` (what the hub signs), ``identifiers``,
  ``categories`` and ``amounts`` (the national codes and the units everyone uses).
- The hub's own endpoints: ``apis/`` and ``views/`` (with ``page_urls``), and
  ``verification/``'s.

hub imports none of the other apps (tests/test_architecture.py).
"""

from hub.celery import app as celery_app

__all__ = ["celery_app"]

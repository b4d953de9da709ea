"""The hub project package: settings, URLs, the Celery app, and the core domain
(organizations, people, consent, audit, encryption)."""

from hub.celery import app as celery_app

__all__ = ["celery_app"]

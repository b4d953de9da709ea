"""The hub's PostgreSQL database backend (``ENGINE = "hub.postgres"``): Django's own, with
pooled connections that are checked before use (see ``base``)."""

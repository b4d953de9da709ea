"""Lending: loan products, applications and open demands, matches and matchmaking events,
statistics for regulators, policy push.

``models/``, ``services/`` and ``selectors/`` by aggregate (products, applications, matches);
``eligibility`` (declarative product rules), ``stats`` and ``stats_maintenance`` (the
aggregates), ``audit``; endpoints in ``apis/`` and ``views/``, one module per aggregate. It
imports hub and connectors."""

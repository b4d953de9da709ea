"""API of lending, one module per aggregate: products, applications, matches (and events),
stats, policies."""

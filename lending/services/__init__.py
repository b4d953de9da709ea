"""Writes of lending, one module per aggregate: products, applications (the transition table),
matches and events, policies, the working calendar."""

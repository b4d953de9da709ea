"""Writes of the core domain, one module per aggregate: `<entity>_<action>` functions with keyword-
only arguments, audited in their transaction."""

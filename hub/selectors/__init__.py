"""Reads of the core domain, one module per aggregate, scoped to the caller: an outsider gets
nothing, never by accident."""

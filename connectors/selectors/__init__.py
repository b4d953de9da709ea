"""Reads of connectors, pulls and credit profiles, scoped to the caller."""

"""Reads of whitelists, entries and memberships, scoped to the caller."""

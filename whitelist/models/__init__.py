"""Whitelists, their published versions and entries, imports with their row errors."""

from whitelist.models.imports import ImportRowError, WhitelistImport
from whitelist.models.whitelists import PublishedEntry, Whitelist, WhitelistEntry, WhitelistVersion

__all__ = [
    "ImportRowError",
    "PublishedEntry",
    "Whitelist",
    "WhitelistEntry",
    "WhitelistImport",
    "WhitelistVersion",
]

from whitelist.models.imports import ImportRowError, StagedRow, WhitelistImport
from whitelist.models.whitelists import PublishedEntry, Whitelist, WhitelistEntry, WhitelistVersion

__all__ = [
    "ImportRowError",
    "PublishedEntry",
    "StagedRow",
    "Whitelist",
    "WhitelistEntry",
    "WhitelistImport",
    "WhitelistVersion",
]

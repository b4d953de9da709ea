"""Connectors, credit pulls with their sources, credit records (encrypted)."""

from connectors.models.connectors import Connector
from connectors.models.pulls import CreditPull, PullSource
from connectors.models.records import CreditRecord
from connectors.models.retention import CategoryLookback, CreditRecordHold, RecordDeletion, RetentionPolicy

__all__ = [
    "CategoryLookback",
    "Connector",
    "CreditPull",
    "CreditRecord",
    "CreditRecordHold",
    "PullSource",
    "RecordDeletion",
    "RetentionPolicy",
]

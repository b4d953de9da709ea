"""Connectors, credit pulls with their sources, credit records (encrypted), disputes of records."""

from connectors.models.connectors import Connector
from connectors.models.disputes import Dispute, DisputeEvidence
from connectors.models.pulls import CreditPull, PullSource
from connectors.models.records import CreditRecord
from connectors.models.retention import CategoryLookback, CreditRecordHold, RecordDeletion, RetentionPolicy

__all__ = [
    "CategoryLookback",
    "Connector",
    "CreditPull",
    "CreditRecord",
    "CreditRecordHold",
    "Dispute",
    "DisputeEvidence",
    "PullSource",
    "RecordDeletion",
    "RetentionPolicy",
]

"""Connectors, credit pulls with their sources, credit records (encrypted), disputes of records,
the enterprises' own credit reports, the national link."""

from connectors.models.connectors import Connector
from connectors.models.disputes import Dispute, DisputeEvidence
from connectors.models.national import NationalDemand, NationalLink, UplinkBatch, UplinkFact, UplinkReconciliation
from connectors.models.pulls import CreditPull, PullSource
from connectors.models.records import CreditRecord
from connectors.models.reports import CreditReport
from connectors.models.retention import CategoryLookback, CreditRecordHold, RecordDeletion, RetentionPolicy

__all__ = [
    "CategoryLookback",
    "Connector",
    "CreditPull",
    "CreditRecord",
    "CreditRecordHold",
    "Dispute",
    "DisputeEvidence",
    "CreditReport",
    "PullSource",
    "RecordDeletion",
    "RetentionPolicy",
    "NationalDemand",
    "NationalLink",
    "UplinkBatch",
    "UplinkFact",
    "UplinkReconciliation",
]

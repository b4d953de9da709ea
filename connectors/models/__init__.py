"""Connectors, credit pulls with their sources, credit records (encrypted)."""

from connectors.models.connectors import Connector
from connectors.models.pulls import CreditPull, PullSource
from connectors.models.records import CreditRecord

__all__ = ["Connector", "CreditPull", "CreditRecord", "PullSource"]

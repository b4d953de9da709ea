"""Loan products, applications and their timeline, matches and matchmaking events, policies,
statistics aggregates, loans after disbursement and their monthly reports (the working calendar
is hub's: hub.models.CalendarDay)."""

from lending.models.applications import Application, ApplicationTransition
from lending.models.loans import Loan, LoanCounters, LoanReport, LoanStatus
from lending.models.matches import Match, MatchmakingEvent
from lending.models.policies import Policy
from lending.models.products import LoanProduct
from lending.models.stats import (
    LendingByBank,
    LendingByBankDay,
    LendingByCategory,
    LendingByCategoryDay,
    LendingByRegion,
    LendingByRegionDay,
)

__all__ = [
    "Application",
    "ApplicationTransition",
    "LendingByBank",
    "LendingByBankDay",
    "LendingByCategory",
    "LendingByCategoryDay",
    "LendingByRegion",
    "LendingByRegionDay",
    "Loan",
    "LoanCounters",
    "LoanProduct",
    "LoanReport",
    "LoanStatus",
    "Match",
    "MatchmakingEvent",
    "Policy",
]

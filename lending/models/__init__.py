"""Loan products, applications and their timeline, matches and matchmaking events, policies,
statistics aggregates (the working calendar is hub's: hub.models.CalendarDay)."""

from lending.models.applications import Application, ApplicationTransition
from lending.models.matches import Match, MatchmakingEvent
from lending.models.policies import Policy
from lending.models.products import LoanProduct
from lending.models.stats import LendingByBank, LendingByCategory, LendingByRegion

__all__ = [
    "Application",
    "ApplicationTransition",
    "LendingByBank",
    "LendingByCategory",
    "LendingByRegion",
    "LoanProduct",
    "Match",
    "MatchmakingEvent",
    "Policy",
]

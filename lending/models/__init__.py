"""Loan products, applications and their timeline, matches and matchmaking events, policies,
statistics aggregates, the working calendar."""

from lending.models.applications import Application, ApplicationTransition
from lending.models.calendar import CalendarDay
from lending.models.matches import Match, MatchmakingEvent
from lending.models.policies import Policy
from lending.models.products import LoanProduct
from lending.models.stats import LendingByBank, LendingByCategory, LendingByRegion

__all__ = [
    "Application",
    "ApplicationTransition",
    "CalendarDay",
    "LendingByBank",
    "LendingByCategory",
    "LendingByRegion",
    "LoanProduct",
    "Match",
    "MatchmakingEvent",
    "Policy",
]

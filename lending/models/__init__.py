from lending.models.applications import Application, ApplicationTransition
from lending.models.matches import Match, MatchmakingEvent
from lending.models.policies import Policy
from lending.models.products import LoanProduct
from lending.models.stats import LendingMonthlyAggregate

__all__ = [
    "Application",
    "ApplicationTransition",
    "LendingMonthlyAggregate",
    "LoanProduct",
    "Match",
    "MatchmakingEvent",
    "Policy",
]

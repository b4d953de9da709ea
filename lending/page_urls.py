"""Pages of lending: marketplace, applications and workbench, loans and their reports, dashboard,
events, follow-up."""

from django.urls import path

from lending.services.applications import TRANSITIONS
from lending.views import applications, loans, matches, policies, products, stats

urlpatterns = [
    path("products/", products.products, name="products"),
    path(
        "products/<int:product_id>/publish/",
        products.product_transition_view,
        {"action": "publish"},
        name="product-publish",
    ),
    path(
        "products/<int:product_id>/withdraw/",
        products.product_transition_view,
        {"action": "withdraw"},
        name="product-withdraw",
    ),
    path("products/<int:product_id>/apply/", products.product_apply, name="product-apply"),
    path("applications/", applications.applications, name="applications"),
    path("applications/new-demand/", products.open_demand_new, name="open-demand-new"),
    path("applications/<int:application_id>/", applications.application_detail, name="application"),
    path("applications/<int:application_id>/claim/", applications.application_claim_view, name="application-claim"),
    *[
        path(
            f"applications/<int:application_id>/{action}/",
            applications.application_act,
            {"action": action},
            name=f"application-{action}",
        )
        for action in TRANSITIONS
    ],
    path("loans/", loans.loans, name="loans"),
    path("loans/reports/upload/", loans.loan_reports_upload, name="loan-reports-upload"),
    path("loans/<int:loan_id>/", loans.loan_detail, name="loan"),
    path("dashboard/", stats.dashboard, name="dashboard"),
    path("policies/", policies.policies, name="policies"),
    path("events/", matches.events, name="events"),
    path("events/<int:event_id>/", matches.event_detail, name="event"),
    path("matches/", matches.matches, name="matches"),
    path("matches/<int:match_id>/progress/", matches.match_progress_view, name="match-progress"),
]

"""Pages of lending: marketplace, applications and workbench, dashboard, events, follow-up."""

from django.urls import path

from lending import views
from lending.services.applications import TRANSITIONS

urlpatterns = [
    path("products/", views.products, name="products"),
    path(
        "products/<int:product_id>/publish/",
        views.product_transition_view,
        {"action": "publish"},
        name="product-publish",
    ),
    path(
        "products/<int:product_id>/withdraw/",
        views.product_transition_view,
        {"action": "withdraw"},
        name="product-withdraw",
    ),
    path("products/<int:product_id>/apply/", views.product_apply, name="product-apply"),
    path("applications/", views.applications, name="applications"),
    path("applications/new-demand/", views.open_demand_new, name="open-demand-new"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("applications/<int:application_id>/claim/", views.application_claim_view, name="application-claim"),
    *[
        path(
            f"applications/<int:application_id>/{action}/",
            views.application_act,
            {"action": action},
            name=f"application-{action}",
        )
        for action in TRANSITIONS
    ],
    path("dashboard/", views.dashboard, name="dashboard"),
    path("events/", views.events, name="events"),
    path("events/<int:event_id>/", views.event_detail, name="event"),
    path("matches/", views.matches, name="matches"),
    path("matches/<int:match_id>/progress/", views.match_progress_view, name="match-progress"),
]

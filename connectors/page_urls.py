"""Pages of credit pulls and profiles (banks) and of connectors (platforms, the operator)."""

from django.urls import path

from connectors import dispute_views, identity_views, views

urlpatterns = [
    path("pulls/", views.pulls, name="pulls"),
    path("pulls/<int:pull_id>/", views.pull_detail, name="pull"),
    path("enterprises/<str:uscc>/profile/", views.enterprise_profile, name="enterprise-profile"),
    path(
        "verification/legal-representative/",
        identity_views.legal_representative_check,
        name="verification-legal-representative",
    ),
    path("disputes/", dispute_views.disputes, name="disputes"),
    path("disputes/new/", dispute_views.dispute_new, name="dispute-new"),
    path("disputes/statistics/", dispute_views.dispute_statistics_view, name="dispute-statistics"),
    path("disputes/<int:dispute_id>/", dispute_views.dispute_detail, name="dispute"),
    path("disputes/<int:dispute_id>/decision/", dispute_views.dispute_decide_view, name="dispute-decide"),
    path("connectors/", views.connectors, name="connectors"),
    path("retention/", views.retention_policies_view, name="retention-policies"),
    path(
        "connectors/<int:connector_id>/approve/",
        views.connector_set_status_view,
        {"action": "approve"},
        name="connector-approve",
    ),
    path(
        "connectors/<int:connector_id>/suspend/",
        views.connector_set_status_view,
        {"action": "suspend"},
        name="connector-suspend",
    ),
]

"""Pages of credit pulls and profiles (banks) and of connectors (platforms, the operator)."""

from django.urls import path

from connectors import identity_views, views

urlpatterns = [
    path("pulls/", views.pulls, name="pulls"),
    path("pulls/<int:pull_id>/", views.pull_detail, name="pull"),
    path("enterprises/<str:uscc>/profile/", views.enterprise_profile, name="enterprise-profile"),
    path(
        "verification/legal-representative/",
        identity_views.legal_representative_check,
        name="verification-legal-representative",
    ),
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

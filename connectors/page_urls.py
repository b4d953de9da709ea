"""Pages of credit pulls and profiles (banks) and of connectors (platforms, the operator)."""

from django.urls import path

from connectors import dispute_views, identity_views, national_views, report_views, views

urlpatterns = [
    path("pulls/", views.pulls, name="pulls"),
    path("pulls/<int:pull_id>/", views.pull_detail, name="pull"),
    path("enterprises/<str:uscc>/profile/", views.enterprise_profile, name="enterprise-profile"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/<str:report_id>/pdf/", report_views.report_pdf, name="report-pdf"),
    path("reports/<str:report_id>/jws/", report_views.report_jws, name="report-jws"),
    path("reports/<str:report_id>/withdraw/", report_views.report_withdraw, name="report-withdraw"),
    # Public: anyone holding a report checks it here, without an account.
    path("verify/report/<str:report_id>/", report_views.report_verification, name="report-verification"),
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
    path("national/", national_views.national_link, name="national-link"),
    path("national/pause/", national_views.national_link_pause_view, name="national-link-pause"),
    path("national/resume/", national_views.national_link_resume_view, name="national-link-resume"),
    path("national/facts/<int:fact_id>/requeue/", national_views.uplink_fact_requeue_view, name="uplink-fact-requeue"),
]

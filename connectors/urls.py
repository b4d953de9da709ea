from django.urls import path

from connectors import apis, dispute_apis, identity_apis, report_apis

urlpatterns = [
    path("connectors/", apis.ConnectorListCreateApi.as_view(), name="api-connectors"),
    path("connectors/<int:connector_id>/", apis.ConnectorDetailApi.as_view(), name="api-connector"),
    path("connectors/<int:connector_id>/approve/", apis.ConnectorApproveApi.as_view(), name="api-connector-approve"),
    path("connectors/<int:connector_id>/suspend/", apis.ConnectorSuspendApi.as_view(), name="api-connector-suspend"),
    path("credit-pulls/", apis.CreditPullListCreateApi.as_view(), name="api-credit-pulls"),
    path("credit-pulls/<int:pull_id>/", apis.CreditPullDetailApi.as_view(), name="api-credit-pull"),
    path("credit-reports/", report_apis.CreditReportListCreateApi.as_view(), name="api-credit-reports"),
    path("credit-reports/<str:report_id>/", report_apis.CreditReportDetailApi.as_view(), name="api-credit-report"),
    path("credit-reports/<str:report_id>/pdf/", report_apis.CreditReportPdfApi.as_view(), name="api-credit-report-pdf"),
    path("credit-reports/<str:report_id>/jws/", report_apis.CreditReportJwsApi.as_view(), name="api-credit-report-jws"),
    path(
        "credit-reports/<str:report_id>/withdraw/",
        report_apis.CreditReportWithdrawApi.as_view(),
        name="api-credit-report-withdraw",
    ),
    path(
        "enterprises/<str:uscc>/verification/legal-representative/",
        identity_apis.LegalRepresentativeCheckApi.as_view(),
        name="api-verification-legal-representative",
    ),
    path("disputes/", dispute_apis.DisputeListCreateApi.as_view(), name="api-disputes"),
    path("disputes/statistics/", dispute_apis.DisputeStatisticsApi.as_view(), name="api-dispute-statistics"),
    path("disputes/<int:dispute_id>/", dispute_apis.DisputeDetailApi.as_view(), name="api-dispute"),
    path("disputes/<int:dispute_id>/decision/", dispute_apis.DisputeDecisionApi.as_view(), name="api-dispute-decision"),
    path("enterprises/<str:uscc>/credit-profile/", apis.CreditProfileApi.as_view(), name="api-credit-profile"),
]

from django.urls import path

from connectors import apis, dispute_apis, identity_apis

urlpatterns = [
    path("connectors/", apis.ConnectorListCreateApi.as_view(), name="api-connectors"),
    path("connectors/<int:connector_id>/", apis.ConnectorDetailApi.as_view(), name="api-connector"),
    path("connectors/<int:connector_id>/approve/", apis.ConnectorApproveApi.as_view(), name="api-connector-approve"),
    path("connectors/<int:connector_id>/suspend/", apis.ConnectorSuspendApi.as_view(), name="api-connector-suspend"),
    path("credit-pulls/", apis.CreditPullListCreateApi.as_view(), name="api-credit-pulls"),
    path("credit-pulls/<int:pull_id>/", apis.CreditPullDetailApi.as_view(), name="api-credit-pull"),
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

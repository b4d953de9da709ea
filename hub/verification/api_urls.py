"""API of verification (API.md §Verification), included under /api/v1/ by hub/urls.py."""

from django.urls import path

from hub.verification import apis

urlpatterns = [
    path("enterprises/<str:uscc>/verification/", apis.VerificationApi.as_view(), name="api-verification"),
    path(
        "enterprises/<str:uscc>/verification/suspend/",
        apis.VerificationSuspendApi.as_view(),
        name="api-verification-suspend",
    ),
    path(
        "enterprises/<str:uscc>/verification/reinstate/",
        apis.VerificationReinstateApi.as_view(),
        name="api-verification-reinstate",
    ),
    path("enterprises/<str:uscc>/agents/", apis.AgentListCreateApi.as_view(), name="api-agents"),
    path("enterprises/<str:uscc>/agents/<int:signer_id>/", apis.AgentDetailApi.as_view(), name="api-agent"),
    path("hub/status-lists/<int:status_list_id>/", apis.StatusListApi.as_view(), name="api-status-list"),
]

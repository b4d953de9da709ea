"""API of verification (API.md §Verification), included under /api/v1/ by hub/urls.py."""

from django.urls import path, re_path

from hub.verification import apis, document_review_apis

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

# The document_review method: submission, decision, the reviewers' queue and files.

urlpatterns += [
    path(
        "enterprises/<str:uscc>/verification/documents/",
        document_review_apis.DocumentsSubmitApi.as_view(),
        name="api-verification-documents",
    ),
    path(
        "enterprises/<str:uscc>/verification/decision/",
        document_review_apis.DocumentsDecisionApi.as_view(),
        name="api-verification-decision",
    ),
    path("verification-reviews/", document_review_apis.ReviewQueueApi.as_view(), name="api-verification-reviews"),
    re_path(
        r"^verification-reviews/(?P<review_id>[0-9]+)/(?P<document>licence|letter)$",
        document_review_apis.ReviewDocumentApi.as_view(),
        name="api-verification-review-document",
    ),
]

"""Pages of verification: the wizard and each method's steps, agents, the review queue."""

from django.urls import path

from hub.verification import document_review_views, views
from hub.verification.methods import e_license_views

urlpatterns = [
    path("verification/", views.verification_overview, name="verification"),
    path("verification/agents/", views.agents, name="verification-agents"),
    path("verification/agents/<int:signer_id>/end/", views.agent_end_view, name="verification-agent-end"),
]

# The document_review method: the enterprise's upload page and the reviewers' queue.

urlpatterns += [
    path("verification/documents/", document_review_views.documents, name="verification-documents"),
    path("verification/reviews/", document_review_views.review_queue, name="verification-reviews"),
    path(
        "verification/reviews/<int:review_id>/decide/",
        document_review_views.review_decide,
        name="verification-review-decide",
    ),
    path(
        "verification/reviews/<int:review_id>/<str:document>/",
        document_review_views.review_document,
        name="verification-review-document",
    ),
]

# The e_license method: a redirect to the electronic business licence provider, and its callback.

urlpatterns += [
    path("verification/e-license/", e_license_views.e_license_start, name="verification-e-license"),
    path(
        "verification/e-license/callback/",
        e_license_views.e_license_callback,
        name="verification-e-license-callback",
    ),
]

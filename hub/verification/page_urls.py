"""Pages of verification: the wizard and each method's steps, agents, the review queue."""

from django.urls import path

from hub.verification import views

urlpatterns = [
    path("verification/", views.verification_overview, name="verification"),
    path("verification/agents/", views.agents, name="verification-agents"),
    path("verification/agents/<int:signer_id>/end/", views.agent_end_view, name="verification-agent-end"),
]

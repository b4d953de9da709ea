"""API of webhooks, included under /api/v1/ by hub/urls.py."""

from django.urls import path

from hub.webhooks import apis

urlpatterns = [
    path("webhooks/endpoints/", apis.EndpointListCreateApi.as_view(), name="api-webhook-endpoints"),
    path("webhooks/endpoints/<int:endpoint_id>/", apis.EndpointDetailApi.as_view(), name="api-webhook-endpoint"),
    path(
        "webhooks/endpoints/<int:endpoint_id>/pause/",
        apis.EndpointPauseApi.as_view(),
        name="api-webhook-endpoint-pause",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/resume/",
        apis.EndpointResumeApi.as_view(),
        name="api-webhook-endpoint-resume",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/rotate-secret/",
        apis.EndpointRotateSecretApi.as_view(),
        name="api-webhook-endpoint-rotate",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/test/", apis.EndpointTestApi.as_view(), name="api-webhook-endpoint-test"
    ),
    path("webhooks/deliveries/", apis.DeliveryListApi.as_view(), name="api-webhook-deliveries"),
    path("webhooks/events/replay/", apis.EventRangeReplayApi.as_view(), name="api-webhook-events-replay"),
    path("webhooks/events/<str:event_id>/replay/", apis.EventReplayApi.as_view(), name="api-webhook-event-replay"),
]

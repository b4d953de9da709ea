"""Pages of webhooks, included by hub/urls.py."""

from django.urls import path

from hub.webhooks import views

urlpatterns = [
    path("webhooks/", views.endpoints, name="webhook-endpoints"),
    path("webhooks/<int:endpoint_id>/", views.endpoint_detail, name="webhook-endpoint"),
    path("webhooks/<int:endpoint_id>/pause/", views.endpoint_pause, name="webhook-endpoint-pause"),
    path("webhooks/<int:endpoint_id>/resume/", views.endpoint_resume, name="webhook-endpoint-resume"),
    path("webhooks/<int:endpoint_id>/rotate-secret/", views.endpoint_rotate, name="webhook-endpoint-rotate"),
    path("webhooks/<int:endpoint_id>/delete/", views.endpoint_delete, name="webhook-endpoint-delete"),
    path("webhooks/<int:endpoint_id>/test/", views.endpoint_test, name="webhook-endpoint-test"),
    path("webhooks/deliveries/", views.deliveries, name="webhook-deliveries"),
    path("webhooks/deliveries/<int:delivery_id>/", views.delivery_detail, name="webhook-delivery"),
    path("webhooks/events/<str:event_id>/replay/", views.event_replay, name="webhook-event-replay"),
]

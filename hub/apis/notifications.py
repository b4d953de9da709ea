"""API of notices to an organization."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from hub.models import Notification
from hub.selectors.notifications import notifications_for
from hub.services.notifications import notification_mark_read


class NotificationOutputSerializer(serializers.ModelSerializer):
    # In the reader's language: the hub's own notices are stored by message id (hub.messages).
    title = serializers.CharField(source="rendered_title", read_only=True)
    body = serializers.CharField(source="rendered_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "data", "created_at", "read_at"]


class NotificationListApi(PaginatedAPIView):
    @extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the notices not read yet.")],
        responses={200: NotificationOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        notifications = notifications_for(request.user)
        if request.query_params.get("unread") in ("1", "true"):
            notifications = notifications.filter(read_at__isnull=True)
        return self.paginate(notifications, NotificationOutputSerializer)


class NotificationReadApi(APIView):
    @extend_schema(
        operation_id="notifications_mark_read",
        request=None,
        responses={200: NotificationOutputSerializer, **error_responses(401, 404)},
    )
    def post(self, request, notification_id: int):
        return Response(
            NotificationOutputSerializer(
                notification_mark_read(user=request.user, notification_id=notification_id)
            ).data
        )

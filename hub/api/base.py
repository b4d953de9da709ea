"""Base views of the API."""

from __future__ import annotations

from rest_framework.views import APIView

from hub.api.pagination import CursorPagination


class PaginatedAPIView(APIView):
    pagination_class = CursorPagination

    def paginate(self, queryset, serializer_class):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)

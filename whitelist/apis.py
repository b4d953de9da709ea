"""HTTP API of whitelists (API.md "Whitelists"). Thin adapters."""

from __future__ import annotations

import csv

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.exports import spreadsheet_safe_row
from hub.api.fields import RegionCodeField
from hub.api.schema import error_responses
from hub.errors import InvalidInput, UploadTooLarge
from hub.identifiers import uscc_errors
from lending.serializers import MatchOutputSerializer
from whitelist.models import PublishedEntry, Whitelist, WhitelistImport
from whitelist.selectors.whitelists import (
    coverage,
    import_get,
    memberships_for,
    overdue_matches,
    whitelist_get,
    whitelists_visible_to,
)
from whitelist.services.imports import import_errors_csv_rows, import_start
from whitelist.services.whitelists import (
    draft_diff,
    whitelist_archive,
    whitelist_create,
    whitelist_publish,
)

ERRORS_SHOWN = 1000


class WhitelistOutputSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.code")
    version = serializers.IntegerField(source="current_version.number", allow_null=True, default=None)
    entries_count = serializers.IntegerField(source="current_version.entries_count", allow_null=True, default=None)

    class Meta:
        model = Whitelist
        fields = [
            "id",
            "name",
            "kind",
            "region_code",
            "description",
            "policy_basis",
            "contact_days",
            "status",
            "owner",
            "version",
            "entries_count",
            "created_at",
        ]


class WhitelistListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Whitelist.Kind.choices)
        region_code = RegionCodeField()
        description = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)
        policy_basis = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)
        contact_days = serializers.IntegerField(
            required=False, allow_null=True, default=None, min_value=1, max_value=365
        )

    @extend_schema(
        operation_id="whitelists_list",
        responses={200: WhitelistOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(whitelists_visible_to(request.user), WhitelistOutputSerializer)

    @extend_schema(
        operation_id="whitelists_create",
        request=InputSerializer,
        responses={201: WhitelistOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        whitelist = whitelist_create(actor=request.user, **data.validated_data)
        return Response(WhitelistOutputSerializer(whitelist).data, status=status.HTTP_201_CREATED)


class WhitelistDetailApi(APIView):
    @extend_schema(
        operation_id="whitelists_retrieve", responses={200: WhitelistOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, whitelist_id: int):
        return Response(WhitelistOutputSerializer(whitelist_get(user=request.user, whitelist_id=whitelist_id)).data)


# --- imports --------------------------------------------------------------------------------------


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportOutputSerializer(serializers.ModelSerializer):
    errors = serializers.SerializerMethodField()
    errors_total = serializers.SerializerMethodField()

    class Meta:
        model = WhitelistImport
        fields = [
            "id",
            "whitelist",
            "status",
            "original_name",
            "file_format",
            "total_rows",
            "processed_rows",
            "accepted",
            "rejected",
            "error",
            "errors",
            "errors_total",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema(responses=ImportErrorSerializer(many=True))
    def get_errors(self, whitelist_import) -> list[dict]:
        # Shown once the import has finished: a page polling a running import each second
        # should not pull a thousand errors every time.
        if whitelist_import.status not in (WhitelistImport.Status.SUCCEEDED, WhitelistImport.Status.FAILED):
            return []
        rows = whitelist_import.errors.order_by("row", "id").values("row", "field", "message")[:ERRORS_SHOWN]
        return ImportErrorSerializer(rows, many=True).data

    def get_errors_total(self, whitelist_import) -> int:
        return whitelist_import.errors.count()


class WhitelistImportCreateApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        operation_id="whitelists_imports_create",
        request={"multipart/form-data": InputSerializer},
        responses={202: ImportOutputSerializer, **error_responses(400, 401, 404, 409, 413, 415)},
    )
    def post(self, request, whitelist_id: int):
        # Refuse an oversized upload before reading it.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.WHITELIST_MAX_UPLOAD_BYTES + 64 * 1024:
            message = _("The upload is larger than %(limit)s MB.") % {
                "limit": settings.WHITELIST_MAX_UPLOAD_BYTES // 2**20
            }
            raise UploadTooLarge(message, fields={"file": [message]})
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        whitelist_import = import_start(
            actor=request.user, whitelist_id=whitelist_id, uploaded=data.validated_data["file"]
        )
        whitelist_import.refresh_from_db()
        return Response(ImportOutputSerializer(whitelist_import).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(APIView):
    @extend_schema(
        operation_id="whitelist_imports_retrieve", responses={200: ImportOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, import_id: int):
        return Response(ImportOutputSerializer(import_get(user=request.user, import_id=import_id)).data)


class _Echo:
    def write(self, value):
        return value


class ImportErrorReportApi(APIView):
    @extend_schema(
        operation_id="whitelist_imports_errors_csv",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(401, 404)},
    )
    def get(self, request, import_id: int):
        """Every bad row as CSV (UTF-8 with BOM), streamed."""
        whitelist_import = import_get(user=request.user, import_id=import_id)
        writer = csv.writer(_Echo())
        lines = (writer.writerow(spreadsheet_safe_row(row)) for row in import_errors_csv_rows(whitelist_import))
        response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{whitelist_import.pk}-errors.csv"'
        return response


def _with_bom(lines):
    yield "\ufeff"
    yield from lines


# --- publication, entries, follow-up -----------------------------------------------------------------


class DiffSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()


class WhitelistPublishApi(APIView):
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        version = serializers.IntegerField()
        entries = serializers.IntegerField()
        added = serializers.IntegerField()
        removed = serializers.IntegerField()
        changed = serializers.IntegerField()

    @extend_schema(
        operation_id="whitelists_publish",
        request=None,
        responses={200: OutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, whitelist_id: int):
        version = whitelist_publish(actor=request.user, whitelist_id=whitelist_id)
        return Response(
            self.OutputSerializer(
                {
                    "status": Whitelist.Status.PUBLISHED,
                    "version": version.number,
                    "entries": version.entries_count,
                    "added": version.added,
                    "removed": version.removed,
                    "changed": version.changed,
                }
            ).data
        )


class WhitelistArchiveApi(APIView):
    @extend_schema(
        operation_id="whitelists_archive",
        request=None,
        responses={200: WhitelistOutputSerializer, **error_responses(401, 404, 409)},
    )
    def post(self, request, whitelist_id: int):
        return Response(
            WhitelistOutputSerializer(whitelist_archive(actor=request.user, whitelist_id=whitelist_id)).data
        )


class WhitelistDiffApi(APIView):
    @extend_schema(operation_id="whitelists_diff", responses={200: DiffSerializer, **error_responses(401, 404)})
    def get(self, request, whitelist_id: int):
        """What publishing now would change against the last published version."""
        diff = draft_diff(whitelist_get(user=request.user, whitelist_id=whitelist_id))
        return Response(DiffSerializer(diff).data)


class EntrySerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    reason = serializers.CharField()
    recommended_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    valid_until = serializers.DateField(allow_null=True)


class WhitelistEntriesApi(PaginatedAPIView):
    @extend_schema(
        operation_id="whitelists_entries_list",
        parameters=[OpenApiParameter("version", str, enum=["current", "draft"], description="default: current")],
        responses={200: EntrySerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, whitelist_id: int):
        """The entries of the published version (or, with ``version=draft``, of the draft)."""
        whitelist = whitelist_get(user=request.user, whitelist_id=whitelist_id)
        which = request.query_params.get("version", "current")
        if which not in ("current", "draft"):
            raise InvalidInput(_("version must be current or draft."), fields={"version": [_("Use current or draft.")]})
        if which == "draft":
            queryset = whitelist.entries.all()
        else:
            queryset = PublishedEntry.objects.filter(version_id=whitelist.current_version_id)
        return self.paginate(queryset, EntrySerializer)


class WhitelistCoverageApi(APIView):
    class OutputSerializer(serializers.Serializer):
        listed = serializers.IntegerField()
        contacted = serializers.IntegerField()
        credit_granted = serializers.IntegerField()
        signed_amount = serializers.CharField()
        disbursed_amount = serializers.CharField()
        overdue = serializers.IntegerField()

    @extend_schema(operation_id="whitelists_coverage", responses={200: OutputSerializer, **error_responses(401, 404)})
    def get(self, request, whitelist_id: int):
        return Response(
            self.OutputSerializer(coverage(whitelist_get(user=request.user, whitelist_id=whitelist_id))).data
        )


class WhitelistOverdueApi(PaginatedAPIView):
    @extend_schema(
        operation_id="whitelists_overdue",
        responses={200: MatchOutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, whitelist_id: int):
        """Listed enterprises a bank has not contacted by the deadline."""
        return self.paginate(
            overdue_matches(whitelist_get(user=request.user, whitelist_id=whitelist_id)), MatchOutputSerializer
        )


class MembershipsApi(PaginatedAPIView):
    class OutputSerializer(serializers.Serializer):
        whitelist = serializers.IntegerField(source="version.whitelist_id")
        name = serializers.CharField(source="version.whitelist.name")
        kind = serializers.CharField(source="version.whitelist.kind")
        owner = serializers.CharField(source="version.whitelist.owner.code")
        region_code = serializers.CharField(source="version.whitelist.region_code")
        version = serializers.IntegerField(source="version.number")
        reason = serializers.CharField()
        recommended_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
        valid_until = serializers.DateField(allow_null=True)

    @extend_schema(
        operation_id="whitelist_memberships",
        parameters=[OpenApiParameter("uscc", str, required=True)],
        responses={200: OutputSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        """Banks: the published whitelists that list this enterprise today."""
        uscc = request.query_params.get("uscc", "").strip().upper()
        if not uscc:
            raise InvalidInput(_("uscc is required."), fields={"uscc": [_("This field is required.")]})
        if errors := uscc_errors(uscc):
            raise InvalidInput(errors[0], fields={"uscc": errors})
        return self.paginate(memberships_for(user=request.user, uscc=uscc), self.OutputSerializer)

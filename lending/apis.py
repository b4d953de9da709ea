"""HTTP API of lending: products, recommendations, applications, matches, matchmaking
events, statistics and policies (API.md). Thin adapters over services and selectors."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.exports import export_response
from hub.api.fields import RegionCodeField, money_field, rate_field
from hub.api.schema import error_responses
from hub.errors import InvalidInput
from hub.verification.serializers import SubjectVerificationSerializer
from lending.models import Application, ApplicationTransition, LoanProduct, Match, MatchmakingEvent, Policy
from lending.models.products import Guarantee, ProductCategory
from lending.selectors.lending import (
    application_get,
    applications_visible_to,
    event_get,
    events_visible_to,
    match_get,
    matches_visible_to,
    product_get,
    products_of_bank,
    products_published,
    recommendations_for,
)
from lending.serializers import MatchOutputSerializer
from lending.services.applications import application_claim, application_submit, application_transition
from lending.services.matches import event_create, event_record_intent, match_progress
from lending.services.policies import policy_publish
from lending.services.products import product_create, product_transition
from lending.stats import lending_rows, matching_rows

# --- products -------------------------------------------------------------------------------------


class ProductOutputSerializer(serializers.ModelSerializer):
    bank = serializers.CharField(source="bank.code")
    bank_name = serializers.CharField(source="bank.name")
    region_codes = serializers.ListField(child=serializers.CharField())
    eligibility = serializers.DictField()

    class Meta:
        model = LoanProduct
        fields = [
            "id",
            "bank",
            "bank_name",
            "name",
            "category",
            "description",
            "min_amount",
            "max_amount",
            "min_rate",
            "max_rate",
            "min_term_months",
            "max_term_months",
            "guarantee",
            "region_codes",
            "eligibility",
            "status",
            "created_at",
            "published_at",
        ]


class ProductListCreateApi(PaginatedAPIView):
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        category = serializers.ChoiceField(choices=ProductCategory.choices, required=False)
        region_code = RegionCodeField(required=False)
        amount = money_field(required=False)
        bank = serializers.CharField(max_length=32, required=False)
        mine = serializers.BooleanField(required=False, default=False)

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        category = serializers.ChoiceField(choices=ProductCategory.choices)
        description = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)
        min_amount = money_field()
        max_amount = money_field()
        min_rate = rate_field()
        max_rate = rate_field()
        min_term_months = serializers.IntegerField(min_value=1, max_value=360)
        max_term_months = serializers.IntegerField(min_value=1, max_value=360)
        guarantee = serializers.ChoiceField(choices=Guarantee.choices)
        region_codes = serializers.ListField(child=RegionCodeField(), min_length=1, max_length=50)
        eligibility = serializers.DictField(required=False, default=dict)

    @extend_schema(
        operation_id="products_list",
        parameters=[FilterSerializer],
        responses={200: ProductOutputSerializer(many=True), **error_responses(400)},
        auth=[],
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        if values["mine"] and request.user.is_authenticated:
            return self.paginate(products_of_bank(request.user), ProductOutputSerializer)
        queryset = products_published(
            category=values.get("category"),
            region_code=values.get("region_code"),
            amount=values.get("amount"),
            bank_code=values.get("bank"),
        )
        return self.paginate(queryset, ProductOutputSerializer)

    @extend_schema(
        operation_id="products_create",
        request=InputSerializer,
        responses={201: ProductOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_create(actor=request.user, **data.validated_data)
        return Response(ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="products_retrieve", responses={200: ProductOutputSerializer, **error_responses(404)}, auth=[]
    )
    def get(self, request, product_id: int):
        return Response(ProductOutputSerializer(product_get(user=request.user, product_id=product_id)).data)


def _product_action(action: str):
    class ProductActionApi(APIView):
        @extend_schema(
            operation_id=f"products_{action}",
            request=None,
            responses={200: ProductOutputSerializer, **error_responses(401, 404, 409)},
        )
        def post(self, request, product_id: int):
            return Response(
                ProductOutputSerializer(
                    product_transition(actor=request.user, product_id=product_id, action=action)
                ).data
            )

    ProductActionApi.__name__ = ProductActionApi.__qualname__ = f"Product{action.title()}Api"
    return ProductActionApi


ProductPublishApi = _product_action("publish")
ProductWithdrawApi = _product_action("withdraw")


class RuleResultSerializer(serializers.Serializer):
    rule = serializers.CharField()
    result = serializers.ChoiceField(choices=["passed", "failed", "unknown"])
    detail = serializers.CharField()


class RecommendationsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        product = ProductOutputSerializer()
        eligible = serializers.BooleanField()
        failed = serializers.IntegerField()
        unknown = serializers.IntegerField()
        rules = RuleResultSerializer(many=True)

    @extend_schema(
        operation_id="recommendations_list", responses={200: OutputSerializer(many=True), **error_responses(401, 404)}
    )
    def get(self, request):
        """Published products serving the enterprise's region, ranked, each eligibility rule
        shown as passed, failed or unknown."""
        return Response(self.OutputSerializer(recommendations_for(user=request.user), many=True).data)


# --- applications -------------------------------------------------------------------------------


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = ApplicationTransition
        fields = ["from_status", "to_status", "at", "actor", "note"]


class ApplicationOutputSerializer(serializers.ModelSerializer):
    bank = serializers.CharField(source="bank.code", allow_null=True, default=None)
    enterprise = serializers.CharField(source="enterprise.code")
    enterprise_name = serializers.CharField(source="enterprise.name")
    enterprise_verification = SubjectVerificationSerializer(source="enterprise.verification")
    product = serializers.IntegerField(source="product_id", allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "status",
            "product",
            "bank",
            "enterprise",
            "enterprise_name",
            "enterprise_verification",
            "amount",
            "term_months",
            "purpose",
            "category",
            "region_code",
            "whitelisted",
            "submitted_at",
            "accept_due_at",
            "overdue",
            "accepted_at",
            "decided_at",
            "signed_at",
            "disbursed_at",
            "approved_amount",
            "rate",
            "approved_term_months",
            "guarantee",
            "first_loan",
            "pure_credit",
            "renewal",
            "reason_code",
            "reason",
            "contract_no",
            "signed_amount",
            "signed_on",
            "disbursed_amount",
            "disbursed_on",
        ]

    def get_overdue(self, application) -> bool:
        from django.utils import timezone

        return application.status == Application.Status.SUBMITTED and application.accept_due_at < timezone.now()


class ApplicationDetailSerializer(ApplicationOutputSerializer):
    timeline = TransitionSerializer(source="transitions", many=True)

    class Meta(ApplicationOutputSerializer.Meta):
        fields = [*ApplicationOutputSerializer.Meta.fields, "timeline"]


class ApplicationListCreateApi(PaginatedAPIView):
    class FilterSerializer(serializers.Serializer):
        open = serializers.BooleanField(
            required=False, default=False, help_text="banks: unclaimed open demands they may claim"
        )
        status = serializers.ChoiceField(choices=Application.Status.choices, required=False)

    class InputSerializer(serializers.Serializer):
        product = serializers.IntegerField(allow_null=True, min_value=1)
        amount = money_field()
        term_months = serializers.IntegerField(min_value=1, max_value=360)
        purpose = serializers.CharField(max_length=200)

    @extend_schema(
        operation_id="applications_list",
        parameters=[FilterSerializer],
        responses={200: ApplicationOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = applications_visible_to(request.user, open_demands=filters.validated_data["open"])
        if filters.validated_data.get("status"):
            queryset = queryset.filter(status=filters.validated_data["status"])
        return self.paginate(queryset, ApplicationOutputSerializer)

    @extend_schema(
        operation_id="applications_create",
        request=InputSerializer,
        responses={201: ApplicationOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        application = application_submit(
            actor=request.user,
            product_id=values["product"],
            amount=values["amount"],
            term_months=values["term_months"],
            purpose=values["purpose"],
        )
        return Response(ApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(
        operation_id="applications_retrieve", responses={200: ApplicationDetailSerializer, **error_responses(401, 404)}
    )
    def get(self, request, application_id: int):
        application = application_get(user=request.user, application_id=application_id)
        # The timeline names each step's actor: one query for all of them, not one per step.
        prefetch_related_objects(
            [application], Prefetch("transitions", ApplicationTransition.objects.select_related("actor"))
        )
        return Response(ApplicationDetailSerializer(application).data)


class ApproveInputSerializer(serializers.Serializer):
    amount = money_field()
    rate = rate_field()
    term_months = serializers.IntegerField(min_value=1, max_value=360)
    guarantee = serializers.ChoiceField(choices=Guarantee.choices)
    first_loan = serializers.BooleanField(default=False)
    pure_credit = serializers.BooleanField(default=False)
    renewal = serializers.BooleanField(default=False)


class RejectInputSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=Application.RejectReason.choices)
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class SignInputSerializer(serializers.Serializer):
    contract_no = serializers.CharField(max_length=64)
    amount = money_field()
    signed_on = serializers.DateField()


class DisburseInputSerializer(serializers.Serializer):
    amount = money_field()
    disbursed_on = serializers.DateField()


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


ACTION_INPUTS = {
    "claim": None,
    "accept": None,
    "approve": ApproveInputSerializer,
    "reject": RejectInputSerializer,
    "sign": SignInputSerializer,
    "disburse": DisburseInputSerializer,
    "withdraw": WithdrawInputSerializer,
}


def _application_action(action: str):
    input_serializer = ACTION_INPUTS[action]

    class ApplicationActionApi(APIView):
        @extend_schema(
            operation_id=f"applications_{action}",
            request=input_serializer,
            responses={200: ApplicationOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
        )
        def post(self, request, application_id: int):
            if action == "claim":
                application = application_claim(actor=request.user, application_id=application_id)
            else:
                details = {}
                if input_serializer is not None:
                    data = input_serializer(data=request.data)
                    data.is_valid(raise_exception=True)
                    details = data.validated_data
                application = application_transition(
                    actor=request.user, application_id=application_id, action=action, **details
                )
            return Response(ApplicationOutputSerializer(application).data)

    ApplicationActionApi.__name__ = ApplicationActionApi.__qualname__ = f"Application{action.title()}Api"
    return ApplicationActionApi


APPLICATION_ACTION_APIS = {action: _application_action(action) for action in ACTION_INPUTS}


# --- matches and matchmaking events -----------------------------------------------------------------


class MatchListApi(PaginatedAPIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Match.Status.choices, required=False)
        source = serializers.ChoiceField(choices=Match.Source.choices, required=False)

    @extend_schema(
        operation_id="matches_list",
        parameters=[FilterSerializer],
        responses={200: MatchOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = matches_visible_to(request.user).filter(**filters.validated_data)
        return self.paginate(queryset, MatchOutputSerializer)


class MatchDetailApi(APIView):
    @extend_schema(operation_id="matches_retrieve", responses={200: MatchOutputSerializer, **error_responses(401, 404)})
    def get(self, request, match_id: int):
        return Response(MatchOutputSerializer(match_get(user=request.user, match_id=match_id)).data)


class MatchProgressApi(APIView):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[choice for choice in Match.Status.choices if choice[0] != "intent"])
        amount = money_field(required=False, allow_null=True)
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="matches_progress",
        request=InputSerializer,
        responses={200: MatchOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, match_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        match = match_progress(
            actor=request.user,
            match_id=match_id,
            status=values["status"],
            amount=values.get("amount"),
            reason=values["reason"],
        )
        return Response(MatchOutputSerializer(match).data)


class EventOutputSerializer(serializers.ModelSerializer):
    organizer = serializers.CharField(source="organizer.code")

    class Meta:
        model = MatchmakingEvent
        fields = ["id", "organizer", "title", "region_code", "held_on", "description", "created_at"]


class EventListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        region_code = RegionCodeField()
        held_on = serializers.DateField()
        description = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)

    @extend_schema(
        operation_id="matchmaking_events_list",
        responses={200: EventOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(events_visible_to(request.user), EventOutputSerializer)

    @extend_schema(
        operation_id="matchmaking_events_create",
        request=InputSerializer,
        responses={201: EventOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_create(actor=request.user, **data.validated_data)
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    @extend_schema(
        operation_id="matchmaking_events_retrieve", responses={200: EventOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, event_id: int):
        return Response(EventOutputSerializer(event_get(user=request.user, event_id=event_id)).data)


class EventIntentApi(APIView):
    class InputSerializer(serializers.Serializer):
        bank = serializers.CharField(max_length=32)
        enterprise = serializers.CharField(max_length=18)
        amount = money_field(required=False, allow_null=True)
        category = serializers.ChoiceField(choices=ProductCategory.choices, required=False, default="")

    @extend_schema(
        operation_id="matchmaking_events_intents_create",
        request=InputSerializer,
        responses={201: MatchOutputSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request, event_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        match = event_record_intent(
            actor=request.user,
            event_id=event_id,
            bank_code=values["bank"],
            uscc=values["enterprise"],
            amount=values.get("amount"),
            category=values["category"],
        )
        return Response(MatchOutputSerializer(match).data, status=status.HTTP_201_CREATED)


# --- statistics ---------------------------------------------------------------------------------------


class StatsQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=["region", "bank", "category", "month"])
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)


# The API says ``from`` and ``to`` (a Python keyword): translated at this edge only.
_API_NAMES = {"date_from": "from", "date_to": "to"}


def _stats_parameters():
    return [
        OpenApiParameter("group_by", str, enum=["region", "bank", "category", "month"], required=True),
        OpenApiParameter("from", OpenApiTypes.DATE),
        OpenApiParameter("to", OpenApiTypes.DATE),
    ]


def _stats_query(request) -> dict:
    params = request.query_params
    serializer = StatsQuerySerializer(
        data={
            "group_by": params.get("group_by"),
            "date_from": params.get("from") or None,
            "date_to": params.get("to") or None,
        }
    )
    if not serializer.is_valid():
        fields = {
            _API_NAMES.get(name, name): [str(message) for message in messages]
            for name, messages in serializer.errors.items()
        }
        raise InvalidInput(_("The query has invalid parameters."), fields=fields)
    return dict(serializer.validated_data)


class LendingStatsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    applications = serializers.IntegerField()
    accepted = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    signed = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    disbursed_amount = serializers.CharField()
    approval_rate = serializers.CharField(allow_null=True)
    avg_days_to_accept = serializers.CharField(allow_null=True)
    first_loans = serializers.IntegerField()
    pure_credit_loans = serializers.IntegerField()


class MatchingStatsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    intents = serializers.IntegerField()
    contacted = serializers.IntegerField()
    signed = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    failed = serializers.IntegerField()
    overdue_followups = serializers.IntegerField()
    signed_amount = serializers.CharField()
    disbursed_amount = serializers.CharField()
    conversion_rate = serializers.CharField(allow_null=True)


def _rows_serializer(name, row_serializer):
    return type(name, (serializers.Serializer,), {"rows": row_serializer(many=True)})


LendingStatsSerializer = _rows_serializer("LendingStatsSerializer", LendingStatsRowSerializer)
MatchingStatsSerializer = _rows_serializer("MatchingStatsSerializer", MatchingStatsRowSerializer)


class LendingStatsApi(APIView):
    @extend_schema(
        operation_id="stats_lending",
        parameters=_stats_parameters(),
        responses={200: LendingStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        return Response({"rows": lending_rows(user=request.user, **_stats_query(request))})


class MatchingStatsApi(APIView):
    @extend_schema(
        operation_id="stats_matching",
        parameters=_stats_parameters(),
        responses={200: MatchingStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        return Response({"rows": matching_rows(user=request.user, **_stats_query(request))})


def _export_api(kind: str, rows_function):
    class StatsExportApi(APIView):
        @extend_schema(
            operation_id=f"stats_{kind}_export",
            parameters=[*_stats_parameters(), OpenApiParameter("file_format", str, enum=["csv", "xlsx"])],
            responses={
                (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
                (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                    OpenApiTypes.BINARY
                ),
                **error_responses(400, 401, 403),
            },
        )
        def get(self, request):
            file_format = request.query_params.get("file_format", "csv")
            if file_format not in ("csv", "xlsx"):
                message = _("file_format must be csv or xlsx.")
                raise InvalidInput(message, fields={"file_format": [message]})
            query = _stats_query(request)
            rows = rows_function(user=request.user, **query)
            return export_response(rows, filename=f"{kind}-{query['group_by']}", file_format=file_format)

    StatsExportApi.__name__ = StatsExportApi.__qualname__ = f"{kind.title()}StatsExportApi"
    return StatsExportApi


LendingStatsExportApi = _export_api("lending", lending_rows)
MatchingStatsExportApi = _export_api("matching", matching_rows)


# --- policies --------------------------------------------------------------------------------------------


class PolicyOutputSerializer(serializers.ModelSerializer):
    targeting = serializers.DictField()

    class Meta:
        model = Policy
        fields = ["id", "title", "body", "targeting", "published_at", "recipients"]


class PolicyCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        body = serializers.CharField(max_length=20000)
        targeting = serializers.DictField(required=False, default=dict)

    @extend_schema(
        operation_id="policies_create",
        request=InputSerializer,
        responses={201: PolicyOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = policy_publish(actor=request.user, **data.validated_data)
        return Response(PolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)

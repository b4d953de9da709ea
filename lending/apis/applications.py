"""API of applications and open demands, and their transitions (API.md, the table of actions)."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.fields import money_field, rate_field
from hub.api.schema import error_responses
from hub.verification.serializers import SubjectVerificationSerializer
from lending.models import Application, ApplicationTransition
from lending.models.products import Guarantee
from lending.selectors.applications import application_get, application_list
from lending.services.applications import application_claim, application_submit, application_transition


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")
    note = serializers.CharField(source="rendered_note", read_only=True)  # in the reader's language

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
        return self.paginate(
            application_list(user=request.user, filters=filters.validated_data), ApplicationOutputSerializer
        )

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

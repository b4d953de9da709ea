"""API of loan products and recommendations."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.fields import RegionCodeField, money_field, rate_field
from hub.api.schema import error_responses
from lending.models import LoanProduct
from lending.models.products import Guarantee, ProductCategory
from lending.selectors.products import product_get, products_of_bank, products_published, recommendations_for
from lending.services.products import product_create, product_transition


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

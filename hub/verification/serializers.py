"""Output shapes of verification that several APIs show: the verification of an enterprise,
and the signatures on an authorization (banks see both on authorizations, profiles and
applications)."""

from __future__ import annotations

from rest_framework import serializers

from hub.models import Verification


class SignatureOutputSerializer(serializers.Serializer):
    role = serializers.CharField()
    person = serializers.CharField(help_text="A pseudonym of the person: stable, but no personal data.")
    signed_at = serializers.DateTimeField()


class SubjectVerificationSerializer(serializers.Serializer):
    status = serializers.CharField()
    method = serializers.CharField()
    level = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)


class VerificationOutputSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Verification.Status.choices)
    level = serializers.CharField(allow_blank=True)
    signers_required = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=2))
    registration = serializers.IntegerField(source="enterprise_id")

    class Meta:
        model = Verification
        fields = [
            "uscc",
            "registration",
            "status",
            "method",
            "level",
            "verified_at",
            "reason",
            "closed",
            "signers_required",
        ]

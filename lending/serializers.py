"""Output shapes of the lending app's objects that other apps' APIs show too (a whitelist's
follow-up lists matches)."""

from __future__ import annotations

from rest_framework import serializers

from lending.models import Match


class MatchOutputSerializer(serializers.ModelSerializer):
    bank = serializers.CharField(source="bank.code")
    enterprise = serializers.CharField(source="enterprise_code")
    event = serializers.IntegerField(source="event_id", allow_null=True)
    application = serializers.IntegerField(source="application_id", allow_null=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "bank",
            "enterprise",
            "enterprise_name",
            "source",
            "application",
            "event",
            "whitelist_entry_id",
            "status",
            "region_code",
            "category",
            "intended_amount",
            "signed_amount",
            "disbursed_amount",
            "failure_reason",
            "created_at",
            "contact_due_at",
            "contacted_at",
            "signed_at",
            "disbursed_at",
        ]

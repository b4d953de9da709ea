"""The administration's view of the retention policies: a change there is audited as one on the
operator's page is (connectors/services/retention.py)."""

from __future__ import annotations

from django.contrib import admin

from connectors import audit
from connectors.models import CategoryLookback, RetentionPolicy


def _state(policy: RetentionPolicy) -> dict:
    return {
        "pulls_per_day": policy.pulls_per_day,
        "lookback_months": policy.lookback_months,
        "keep_days": policy.keep_days,
        "lookbacks": {lookback.category: lookback.months for lookback in policy.lookbacks.all()},
    }


class CategoryLookbackInline(admin.TabularInline):
    model = CategoryLookback
    extra = 1


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["purpose", "pulls_per_day", "lookback_months", "keep_days", "updated_at"]
    inlines = [CategoryLookbackInline]

    def has_delete_permission(self, request, obj=None):
        return False  # a purpose without a policy would be neither capped nor purged

    def save_model(self, request, obj, form, change):
        stored = RetentionPolicy.objects.filter(pk=obj.pk).first() if obj.pk else None
        request._retention_before = _state(stored) if stored else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The inlines are saved here: the event carries the look-backs as they now are, in
        # the transaction the administration opened for the whole change.
        super().save_related(request, form, formsets, change)
        policy = form.instance
        audit.retention_policy_changed(
            policy=policy, actor=request.user, before=request._retention_before, after=_state(policy)
        )

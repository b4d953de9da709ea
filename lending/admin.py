from django.contrib import admin

from hub.models import CalendarDay
from lending.models import Application, LoanProduct, Match, MatchmakingEvent, Policy


@admin.register(LoanProduct)
class LoanProductAdmin(admin.ModelAdmin):
    list_display = ["name", "bank", "category", "status", "min_amount", "max_amount"]
    list_filter = ["status", "category"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "enterprise", "bank", "category", "amount", "status", "submitted_at"]
    list_filter = ["status", "category"]
    readonly_fields = [field.name for field in Application._meta.fields]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["id", "bank", "enterprise", "source", "status", "created_at"]
    list_filter = ["status", "source"]


admin.site.register(MatchmakingEvent)
admin.site.register(Policy)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Read-only: the calendar changes through ``manage.py load_working_calendar``, which
    records the change in the audit log."""

    list_display = ["day", "working", "note"]
    list_filter = ["working"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

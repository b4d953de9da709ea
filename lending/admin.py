from django.contrib import admin

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

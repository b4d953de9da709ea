from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub.forms import AdminLoginForm
from hub.models import ApiToken, AuditEvent, DeferredTask, Organization, ParkedTask, User
from hub.services.logins import account_unlock

# The administration's login meets the login guard's refusals as the login page does.
admin.site.login_form = AdminLoginForm


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "region_code", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    exclude = ["legal_representative_id_index"]


@admin.register(User)
class HubUserAdmin(UserAdmin):
    list_display = ["username", "organization", "role", "is_staff", "is_active", "locked_until"]
    list_filter = ["role", "is_staff", "is_active", "organization__kind"]
    fieldsets = UserAdmin.fieldsets + (("Hub", {"fields": ("organization", "role", "phone", "locked_until")}),)
    readonly_fields = ["locked_until"]
    actions = ["unlock_accounts"]

    @admin.action(description=_("Unlock the selected accounts (after failed logins)"))
    def unlock_accounts(self, request, queryset):
        locked = list(queryset.filter(locked_until__isnull=False))
        for user in locked:
            account_unlock(actor=request.user, user=user)
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", len(locked))
            % {"count": len(locked)},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "expires_at", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the table itself refuses changes."""

    list_display = ["chain", "sequence", "at", "action", "actor_username", "object_type", "object_id"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):
    list_display = ["task_name", "args", "deferred_at", "not_before"]
    readonly_fields = ["task_name", "task_id", "args", "kwargs", "not_before", "error", "deferred_at"]


@admin.register(ParkedTask)
class ParkedTaskAdmin(admin.ModelAdmin):
    list_display = ["task_name", "task_id", "deliveries", "parked_at"]
    readonly_fields = ["task_id", "task_name", "args", "kwargs", "deliveries", "error", "parked_at"]

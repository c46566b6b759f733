from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, OutboxEmail, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "higher_body"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "higher_body"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "unit", "roles", "is_active"]
    list_filter = ["unit__kind", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["unit"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Xinfang"), {"fields": ["full_name", "unit", "roles"]}))
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Xinfang"), {"fields": ["full_name", "unit", "roles"]}),)


class ReadFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the services only: an administrator looks, never edits (an edit here would skip them)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "message", "read_at"]
    list_filter = ["kind", ReadFilter]
    search_fields = ["recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    fields = ["recipient", "kind", "message", "link", "subject_type", "subject_id", "created_at", "read_at"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["notification__recipient__username"]
    list_select_related = ["notification__recipient"]
    fields = ["notification", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]

    @admin.display(description=_("recipient"), ordering="notification__recipient__username")
    def recipient(self, email: OutboxEmail) -> str:
        return str(email.notification.recipient)

    @admin.display(description=_("kind"))
    def kind(self, email: OutboxEmail) -> str:
        return email.notification.get_kind_display()

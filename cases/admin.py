from django.contrib import admin

from cases.models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = readonly_fields = ("at", "actor", "action", "from_status", "to_status", "note")
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: every change to a case goes through cases.services, which checks and records it."""

    list_display = ["pk", "status", "category", "locality", "accepting_unit", "lead_official", "handling_due"]
    list_filter = ["status"]
    list_select_related = ["category", "locality", "accepting_unit", "lead_official"]
    inlines = [CaseEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

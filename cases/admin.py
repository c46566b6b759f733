from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import services
from cases.models import Case, CaseEvent
from petitions.admin import CalendarDayAdmin, DeadlinePolicyAdmin
from petitions.models import CalendarDay, DeadlineKind, DeadlinePolicy


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    readonly_fields = fields
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


# The calendar and the policies are petitions' models, but changing them moves case deadlines too;
# petitions cannot call cases, so their admins are replaced here by ones that call cases.services.


def report_moved(model_admin: admin.ModelAdmin, request, moved: services.DeadlinesMoved) -> None:
    """Tell the administrator which open deadlines the change moved, or that none did."""
    sentences = []
    if moved.petitions:
        sentences.append(
            ngettext(
                "The decision deadline of %(count)d open petition moved.",
                "The decision deadlines of %(count)d open petitions moved.",
                moved.petitions,
            )
            % {"count": moved.petitions}
        )
    if moved.cases:
        sentences.append(
            ngettext("The deadlines of %(count)d open case moved.", "The deadlines of %(count)d open cases moved.", moved.cases)
            % {"count": moved.cases}
        )
    if sentences:
        model_admin.message_user(request, " ".join(sentences), messages.WARNING)
    else:
        model_admin.message_user(request, _("No open deadline moved."), messages.INFO)


admin.site.unregister(CalendarDay)


@admin.register(CalendarDay)
class CaseCalendarDayAdmin(CalendarDayAdmin):
    """Saving or deleting a day moves open petition and case deadlines, with an event on each."""

    def save_model(self, request, obj, form, change):
        report_moved(self, request, services.calendar_day_save(actor=request.user, day=obj))

    def delete_model(self, request, obj):
        report_moved(self, request, services.calendar_day_delete(actor=request.user, day=obj))


admin.site.unregister(DeadlinePolicy)


@admin.register(DeadlinePolicy)
class CaseDeadlinePolicyAdmin(DeadlinePolicyAdmin):
    """A new limit or counting rule recounts the open deadlines of its step, on petitions and cases."""

    def save_model(self, request, obj, form, change):
        report_moved(self, request, services.deadline_policy_save(actor=request.user, policy=obj))
        if obj.kind == DeadlineKind.EXTENSION:
            self.message_user(request, _("Approved extensions keep their days; the new cap applies to requests from now on."))

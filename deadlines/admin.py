from django.contrib import admin, messages
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deadlines import services
from deadlines.models import CalendarDay, CalendarYear, DeadlineKind, DeadlinePolicy


def report_moved(model_admin: admin.ModelAdmin, request, moved: services.DeadlinesMoved) -> None:
    """Tell the administrator which open deadlines the change moved, or that none did."""
    model_admin.message_user(request, moved.summary(), messages.WARNING if moved else messages.INFO)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """One row per step, created by the migration; administrators adjust them, never add or remove.
    A new limit or counting rule recounts the open deadlines of its step."""

    list_display = ["kind", "days", "unit", "moves_off_rest_days", "basis"]
    list_editable = ["days", "unit", "moves_off_rest_days"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        report_moved(self, request, services.deadline_policy_save(actor=request.user, policy=obj))
        if obj.kind == DeadlineKind.EXTENSION:
            self.message_user(request, _("Approved extensions keep their days; the new cap applies to requests from now on."))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Deleting a year would drop its days without moving deadlines, so years are only added and ticked."""

    list_display = ["year", "complete", "day_count"]
    list_editable = ["complete"]
    list_filter = ["complete"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(day_count=Count("days"))

    def get_readonly_fields(self, request, obj=None):
        return ["year"] if obj else []

    @admin.display(description=gettext_lazy("entered days"), ordering="day_count")
    def day_count(self, obj):
        return obj.day_count

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays on weekdays and make-up working weekend days; saving or deleting one moves the open
    deadlines it changes, with an event on each."""

    list_display = ["date", "weekday", "is_workday", "name", "source"]
    list_filter = ["year", "is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def get_actions(self, request):
        # The bulk delete skips delete_model, so it would not move the deadlines.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        report_moved(self, request, services.calendar_day_save(actor=request.user, day=obj))

    def delete_model(self, request, obj):
        report_moved(self, request, services.calendar_day_delete(actor=request.user, day=obj))

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from petitions import services
from petitions.models import CalendarDay, CalendarYear, Category, DeadlinePolicy, PersonalDataReveal


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    list_filter = ["parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(admin.ModelAdmin):
    """The reveal log is evidence: administrators read it, nobody edits it."""

    list_display = ["at", "user", "petitioner", "reason"]
    list_select_related = ["user", "petitioner"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """One row per step, created by the migration; administrators adjust them, never add or remove."""

    list_display = ["kind", "days", "unit", "moves_off_rest_days", "basis"]
    list_editable = ["days", "unit", "moves_off_rest_days"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        moved = services.deadline_policy_save(actor=request.user, policy=obj)
        if moved:
            message = ngettext(
                "The decision deadline of %(count)d open petition moved.",
                "The decision deadlines of %(count)d open petitions moved.",
                moved,
            )
            self.message_user(request, message % {"count": moved}, messages.WARNING)


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

    @admin.display(description=_("entered days"), ordering="day_count")
    def day_count(self, obj):
        return obj.day_count

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays on weekdays and make-up working weekend days; saving or deleting one moves open deadlines."""

    list_display = ["date", "weekday", "is_workday", "name", "source"]
    list_filter = ["year", "is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def get_actions(self, request):
        # The bulk delete skips delete_model, so it would not move the deadlines.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        moved = services.calendar_day_save(actor=request.user, day=obj)
        self._report_moved(request, moved)

    def delete_model(self, request, obj):
        moved = services.calendar_day_delete(actor=request.user, day=obj)
        self._report_moved(request, moved)

    def _report_moved(self, request, moved):
        if moved:
            message = ngettext(
                "The decision deadline of %(count)d open petition moved.",
                "The decision deadlines of %(count)d open petitions moved.",
                moved,
            )
            self.message_user(request, message % {"count": moved}, messages.WARNING)

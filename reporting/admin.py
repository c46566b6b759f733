from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from reporting.models import MonthClosing, ReportRun


@admin.register(MonthClosing)
class MonthClosingAdmin(ReadOnlyAdmin):
    """Closing and reopening happen on the statistics page (a service checks and records them); the
    admin only shows the history."""

    list_display = ["year", "month", "closed_by", "closed_at", "reopened_by", "reopened_at"]
    list_filter = ["year"]
    list_select_related = ["closed_by", "reopened_by"]


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "date_from", "date_to", "unit", "format", "status", "progress", "requested_by", "scheduled"]
    list_filter = ["status", "format", "scheduled"]
    list_select_related = ["unit", "requested_by"]

from django.contrib import admin

from petitions.models import Category, PersonalDataReveal, RoutingRule


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


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Which unit is competent for which matters (属地管理、分级负责，谁主管、谁负责): the clerk sees the suggestion and why."""

    list_display = ["category", "locality", "unit", "note"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["note", "category__name", "category__code", "unit__name"]
    list_select_related = ["category", "category__parent", "locality", "unit"]

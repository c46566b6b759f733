from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "unit", "roles", "is_active"]
    list_filter = ["unit__kind", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["unit"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Xinfang"), {"fields": ["full_name", "unit", "roles"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Xinfang"), {"fields": ["full_name", "unit", "roles"]}),)

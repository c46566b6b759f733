"""Template helpers for the intake pages; permission answers come from petitions.permissions."""

from datetime import date

from django import template
from django.utils import timezone

from accounts.models import Role
from petitions import permissions, selectors

register = template.Library()


@register.simple_tag
def can_register(user) -> bool:
    return user.is_authenticated and permissions.can_register(user)


@register.filter
def days_left(due: date) -> int:
    """Days from today (Asia/Shanghai) to `due`; negative when overdue."""
    return (due - timezone.localdate()).days


@register.simple_tag
def calendar_years_to_enter(user) -> list[int]:
    """For administrators: the coming years whose holiday schedule is missing (one query; none for others)."""
    if not user.is_authenticated or not (user.is_staff or user.has_role(Role.ADMIN)):
        return []
    return selectors.calendar_years_incomplete(today=timezone.localdate())

"""Template helpers for the intake pages; permission answers come from petitions.permissions."""

from datetime import date

from django import template
from django.utils import timezone

from petitions import permissions

register = template.Library()


@register.simple_tag
def can_register(user) -> bool:
    return user.is_authenticated and permissions.can_register(user)


@register.filter
def days_left(due: date) -> int:
    """Days from today (Asia/Shanghai) to `due`; negative when overdue."""
    return (due - timezone.localdate()).days

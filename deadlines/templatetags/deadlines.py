"""Template helpers about the calendar, for the layout's warning."""

from django import template
from django.utils import timezone

from accounts.models import Role
from deadlines import selectors

register = template.Library()


@register.simple_tag
def calendar_years_to_enter(user) -> list[int]:
    """For administrators: the coming years whose holiday schedule is missing (one query; none for others)."""
    if not user.is_authenticated or not (user.is_staff or user.has_role(Role.ADMIN)):
        return []
    return selectors.calendar_years_incomplete(today=timezone.localdate())

"""Template helpers for the case pages; permission answers come from cases.permissions and the selectors."""

from django import template
from django.utils import timezone

from accounts.models import Role
from cases import selectors
from cases.models import HANDLING_STATUSES, Case

register = template.Library()


@register.simple_tag
def approvals_waiting(user) -> int | None:
    """How many decisions await this leader (one count query); None for those who approve nothing."""
    if not user.is_authenticated or not user.has_role(Role.LEADER):
        return None
    return selectors.approval_inbox(user=user).count()


@register.filter
def handling_days_left(case: Case) -> int | None:
    """Days to the handling due date while the reply is not served; negative when overdue."""
    if case.status not in HANDLING_STATUSES:
        return None
    return (case.handling_due - timezone.localdate()).days


@register.filter(name="abs")
def absolute(number: int) -> int:
    return abs(number)

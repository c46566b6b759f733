"""Who may read and keep the statistics (DESIGN §9). Whose figures a user may see is
reporting.selectors.report_unit_get (through accounts.selectors.visible_unit_ids)."""

from accounts.models import Role, User
from accounts.selectors import visible_unit_ids
from petitions.permissions import require

__all__ = ["can_close_month", "can_view_reports", "require"]


def can_view_reports(user: User) -> bool:
    """Every role sees statistics: the county office the county's, everyone else their own unit's."""
    return user.is_authenticated and (visible_unit_ids(user) is None or user.unit_id is not None)


def can_close_month(user: User) -> bool:
    """Closing and reopening a month: the county office's supervisors."""
    return user.is_authenticated and user.has_role(Role.SUPERVISOR)

"""Who may do what to which petition (DESIGN §9). Visibility itself is accounts.selectors."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import visible_unit_ids
from petitions.models import Petition

REVEAL_ROLES = (Role.CLERK, Role.HANDLER, Role.LEADER, Role.SUPERVISOR)


def acts_for_unit(user: User, unit_id: int) -> bool:
    units = visible_unit_ids(user)
    return units is None or unit_id in units


def can_register(user: User) -> bool:
    return user.has_role(Role.CLERK, Role.SUPERVISOR)


def can_route(user: User, petition: Petition) -> bool:
    if user.has_role(Role.SUPERVISOR):
        return True
    return user.has_role(Role.CLERK) and acts_for_unit(user, petition.responsible_unit_id)


def can_decide(user: User, petition: Petition) -> bool:
    """Not accept, divert or file: a clerk or handler of the unit that must act now."""
    return user.has_role(Role.CLERK, Role.HANDLER) and user.unit_id is not None and acts_for_unit(user, petition.responsible_unit_id)


def can_attach(user: User, petition: Petition) -> bool:
    return can_route(user, petition) or can_decide(user, petition)


def can_reveal(user: User) -> bool:
    return user.has_role(*REVEAL_ROLES)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))

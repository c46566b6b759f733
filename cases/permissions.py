"""Who may do what to which case (DESIGN §9). Visibility itself is cases.selectors.cases_visible_to."""

from accounts.models import Role, User
from cases.models import Case, SupervisionOrder
from petitions.permissions import acts_for_unit, require

__all__ = [
    "can_approve",
    "can_approve_any",
    "can_assign",
    "can_decide_appeal",
    "can_decide_extension",
    "can_respond_supervision",
    "can_supervise",
    "can_work_on",
    "require",
]


def can_assign(user: User, case: Case) -> bool:
    """Name (or change) the lead official and team: a supervisor, or a leader of the accepting unit."""
    if user.has_role(Role.SUPERVISOR):
        return True
    return user.has_role(Role.LEADER) and acts_for_unit(user, case.accepting_unit_id)


def can_work_on(user: User, case: Case) -> bool:
    """Plans, progress, hearings, replies, evaluations and appeal requests: a handler of the accepting
    unit or of a team unit, or a member of the team."""
    if not user.has_role(Role.HANDLER):
        return False
    if any(member.pk == user.pk for member in case.members.all()):  # prefetched on the case page
        return True
    return any(acts_for_unit(user, unit_id) for unit_id in case.team_unit_ids)


def can_approve(user: User, case: Case) -> bool:
    """Plan, reply and closing: the case's lead official, and only them."""
    return case.lead_official_id is not None and user.pk == case.lead_official_id


def can_decide_extension(user: User, case: Case) -> bool:
    """An extension is approved by the head of the handling unit (Art. 34 "经本机关、单位负责人批准"): a
    leader of the case's lead unit itself, not of a unit above it. The lead official decides only when
    that is who they are."""
    return case.lead_unit_id is not None and user.has_role(Role.LEADER) and user.unit_id == case.lead_unit_id


def can_approve_any(user: User) -> bool:
    """Has an approval inbox: lead officials and the heads of lead units are leaders (cases.services
    checks it on assignment)."""
    return user.is_authenticated and user.has_role(Role.LEADER)


def can_decide_appeal(user: User, case: Case) -> bool:
    """Review and re-examination opinions come from the county."""
    return user.has_role(Role.SUPERVISOR)


def can_supervise(user: User) -> bool:
    """Supervision orders come from the county office (DESIGN §9)."""
    return user.is_authenticated and user.has_role(Role.SUPERVISOR)


def can_respond_supervision(user: User, order: SupervisionOrder) -> bool:
    """The ordered unit answers: its leaders and handlers."""
    return user.has_role(Role.LEADER, Role.HANDLER) and acts_for_unit(user, order.unit_id)

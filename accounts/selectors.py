"""Reads about units and users, and the one answer to "whose data may this user see"."""

from django.db.models import QuerySet

from accounts.models import Role, Unit, User

COUNTY_WIDE_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def unit_descendant_ids(unit_id: int) -> set[int]:
    """The unit and every unit below it; units are few (hundreds), so one query and a walk."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def visible_unit_ids(user: User) -> set[int] | None:
    """The units whose data `user` may see: None means the whole county.

    Supervisors and administrators see the county; everyone else sees their own unit and the
    units below it. Every page, endpoint and selector scopes through this function.
    """
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_visible_unit_ids", False)
    if cached is not False:
        return cached
    if user.has_role(*COUNTY_WIDE_ROLES) or user.is_superuser:
        result = None
    elif user.unit_id is None:
        result = set()
    else:
        result = unit_descendant_ids(user.unit_id)
    user._visible_unit_ids = result
    return result


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.order_by("kind", "code")


def township_list() -> QuerySet[Unit]:
    return Unit.objects.filter(kind="township").order_by("code")


def user_list(*, role: str | None = None, unit_id: int | None = None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True).select_related("unit").order_by("username")
    if role:
        # Roles are a JSON list; matching the quoted code works on PostgreSQL and SQLite alike.
        users = users.filter(roles__icontains=f'"{role}"')
    if unit_id:
        users = users.filter(unit_id=unit_id)
    return users

"""Reads about units and users, and the one answer to "whose data may this user see"."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Notification, Role, Unit, UnitKind, User

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
    if hasattr(user, "_visible_unit_ids"):
        return user._visible_unit_ids
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


class Directory:
    """Every active user, by unit and role, read once: the reminder scan looks up the recipients of
    thousands of deadlines and a county has only hundreds of users."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self._by_unit_role: dict[tuple[int, str], list[User]] = {}
        self._by_role: dict[str, list[User]] = {}
        self._leadership_unit_ids = set(Unit.objects.filter(kind=UnitKind.LEADERSHIP).values_list("pk", flat=True))
        for user in User.objects.filter(is_active=True).only(
            "pk", "username", "full_name", "email", "email_notifications", "unit_id", "roles", "is_active"
        ):
            self.users[user.pk] = user
            for role in user.roles:
                self._by_role.setdefault(role, []).append(user)
                if user.unit_id is not None:
                    self._by_unit_role.setdefault((user.unit_id, role), []).append(user)

    def in_unit(self, unit_id: int | None, *roles: str) -> list[User]:
        if unit_id is None:
            return []
        return [user for role in roles for user in self._by_unit_role.get((unit_id, role), [])]

    def with_role(self, role: str) -> list[User]:
        return list(self._by_role.get(role, []))

    def leadership(self) -> list[User]:
        """The county's leaders (a unit of kind leadership), whom big or far-travelling visits alert."""
        return [user for unit_id in self._leadership_unit_ids for user in self.in_unit(unit_id, Role.LEADER)]


def unit_users(unit_id: int, *roles: str) -> list[User]:
    """The active users of one unit holding any of `roles`: whom a message to the unit reaches."""
    return [user for user in User.objects.filter(unit_id=unit_id, is_active=True) if user.has_role(*roles)]


def notification_list(user: User, *, unread: bool | None = None) -> QuerySet:
    notifications = Notification.objects.filter(recipient=user).select_related("subject_type").order_by("-created_at", "-id")
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications


def notification_get(user: User, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's does not exist for them (404)."""
    return get_object_or_404(Notification.objects.select_related("subject_type"), recipient=user, pk=pk)


def unread_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

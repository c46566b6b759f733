"""Test data builders for units and users, shared by every app's tests (each app's tests use their
own app's factories and those of the apps below it, as the code does: DESIGN §3)."""

import itertools

from accounts.models import Unit, UnitKind, User

# One sequence for every factory, so that numbers made in different apps never repeat.
sequence = itertools.count(1)
PASSWORD = "pass-for-tests-123"


def make_unit(*, kind: str = UnitKind.TOWNSHIP, name: str | None = None, parent: Unit | None = None) -> Unit:
    number = next(sequence)
    return Unit.objects.create(kind=kind, name=name or f"单位{number}", code=f"U{number:05d}", parent=parent)


def make_user(*, unit: Unit | None, roles: list[str], username: str | None = None) -> User:
    username = username or f"user{next(sequence)}"
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, unit=unit, roles=roles)
    return user

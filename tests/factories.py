"""Test data builders shared by every app's tests."""

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Unit, UnitKind, User
from petitions import services
from petitions.identity import ID_CHECK_CHARACTERS, ID_WEIGHTS
from petitions.models import Category, Petition

_sequence = itertools.count(1)
PASSWORD = "pass-for-tests-123"


def make_id_number(serial: int | None = None, *, region: str = "110105", birth: str = "19800101") -> str:
    """A valid resident ID number; a different `serial` gives a different person."""
    serial = next(_sequence) if serial is None else serial
    first_17 = f"{region}{birth}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first_17, ID_WEIGHTS, strict=True))
    return first_17 + ID_CHECK_CHARACTERS[total % 11]


def make_unit(*, kind: str = UnitKind.TOWNSHIP, name: str | None = None, parent: Unit | None = None) -> Unit:
    number = next(_sequence)
    return Unit.objects.create(kind=kind, name=name or f"单位{number}", code=f"U{number:05d}", parent=parent)


def make_user(*, unit: Unit | None, roles: list[str], username: str | None = None) -> User:
    username = username or f"user{next(_sequence)}"
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, unit=unit, roles=roles)
    return user


def category(code: str = "08") -> Category:
    return Category.objects.get(code=code)


def make_petition(
    *,
    actor: User,
    locality: Unit,
    received_at: datetime | None = None,
    id_number: str | None = None,
    name: str = "张三",
    category_code: str = "08",
    headcount: int | None = None,
    **fields,
) -> Petition:
    """Register a petition through the real service, with ordinary defaults."""
    person = services.petitioner_input_clean(name=name, id_number=id_number or make_id_number(), phone="13800138000")
    return services.petition_register(
        actor=actor,
        channel=fields.pop("channel", "visit"),
        received_at=received_at or timezone.now() - timedelta(hours=1),
        petitioners=fields.pop("petitioners", [person]),
        headcount=headcount,
        category=category(category_code),
        purpose=fields.pop("purpose", "complaint"),
        locality=locality,
        summary=fields.pop("summary", "拖欠工资问题"),
        **fields,
    )

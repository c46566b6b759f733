"""Test data builders for petitions: valid ID numbers, categories, petitions registered through the real service."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Unit, User
from accounts.tests.factories import sequence
from petitions import services
from petitions.identity import ID_CHECK_CHARACTERS, ID_WEIGHTS
from petitions.models import Category, Petition


def make_id_number(serial: int | None = None, *, region: str = "110105", birth: str = "19800101") -> str:
    """A valid resident ID number; a different `serial` gives a different person."""
    serial = next(sequence) if serial is None else serial
    first_17 = f"{region}{birth}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first_17, ID_WEIGHTS, strict=True))
    return first_17 + ID_CHECK_CHARACTERS[total % 11]


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

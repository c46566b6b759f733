"""seed_demo builds the demo county, is safe to run twice, and tops petitions up with consistent numbers.

On PostgreSQL the first run takes the bulk path (indexes and constraints dropped and rebuilt in
the transaction) and the top-up the ordinary one, so both are covered.
"""

import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import Unit, User
from bench import demo_petitions
from bench.demo_county import SUBCATEGORIES, UNITS
from cases.models import Case, CasePetition
from deadlines.calendar import due_date
from deadlines.models import CalendarYear, DeadlineKind
from petitions.identity import decrypt, lookup_hash, mask_id_number, validate_id_number
from petitions.models import (
    MAX_REPRESENTATIVES,
    Category,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionPetitioner,
    RegistrationCounter,
    Status,
)

pytestmark = pytest.mark.django_db

INTAKE_STATUSES = {Status.REGISTERED, Status.ROUTED, Status.NOT_ACCEPTED, Status.DIVERTED, Status.FILED}


def seed(petitions: int) -> str:
    out = StringIO()
    call_command("seed_demo", petitions=petitions, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "categories": Category.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "petitions": Petition.objects.count(),
        "links": PetitionPetitioner.objects.count(),
        "events": PetitionEvent.objects.count(),
        "cases": Case.objects.count(),
        "case links": CasePetition.objects.count(),
    }


def assert_numbers_gap_free_and_counted() -> None:
    numbers: dict[int, list[int]] = defaultdict(list)
    for reg_no in Petition.objects.values_list("reg_no", flat=True):
        match = re.fullmatch(r"XF-(\d{4})-(\d{6})", reg_no)
        assert match, reg_no
        numbers[int(match[1])].append(int(match[2]))
    counters = dict(RegistrationCounter.objects.values_list("year", "last_number"))
    for year, taken in numbers.items():
        assert sorted(taken) == list(range(1, counters[year] + 1)), year
    assert {year for year, last in counters.items() if last} == set(numbers)


def test_seed_twice_is_idempotent_and_a_larger_number_tops_up(monkeypatch):
    # Small batches: tables are then written in many batches and in no particular order, as in a large run.
    monkeypatch.setattr(demo_petitions, "BATCH_SIZE", 100)
    first_output = seed(1500)
    first = counts()
    assert first["petitions"] == 1500
    assert first["units"] == len(UNITS)
    assert first["categories"] == 17 + sum(len(children) for children in SUBCATEGORIES.values())
    assert "xinfang-demo-2026" in first_output  # the default password is printed

    # Reference data: the five well-known users, per-unit ones, the admin for the Django admin.
    users = {user.username: user for user in User.objects.select_related("unit")}
    assert {"clerk", "handler", "leader", "supervisor", "admin", "clerk_chengguan", "leader_xld"} <= set(users)
    assert users["clerk"].roles == ["clerk"] and users["clerk"].unit.kind == "bureau"
    assert users["supervisor"].roles == ["supervisor"] and users["supervisor"].unit.kind == "bureau"
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["handler"].unit.kind == users["leader"].unit.kind == "township"
    assert users["clerk"].check_password("xinfang-demo-2026")
    # Everyone has an address and wants e-mail, so notifications reach the outbox (the reminder benchmark).
    assert all(user.email == f"{user.username}@xinfang.example" and user.email_notifications for user in users.values())
    assert not Category.objects.filter(parent__isnull=False, parent__parent__isnull=False).exists()  # two levels only

    # Every intake status and acceptances (cases/tests/test_seed_cases.py checks the cases), numbers
    # gap-free per year and matching the counters.
    assert INTAKE_STATUSES | {Status.ACCEPTED, Status.ATTACHED} <= set(Petition.objects.values_list("status", flat=True).distinct())
    assert_numbers_gap_free_and_counted()

    second_output = seed(1500)
    assert counts() == first
    assert "nothing to add" in second_output

    cases_before = Case.objects.count()
    seed(1800)
    third = counts()
    assert Case.objects.count() > cases_before  # the top-up's acceptances open cases too
    assert set(CasePetition.objects.values_list("petition__status", flat=True)) == {Status.ACCEPTED, Status.ATTACHED}
    assert third["petitions"] == 1800
    assert {key: third[key] for key in ("units", "users", "categories")} == {key: first[key] for key in ("units", "users", "categories")}
    assert_numbers_gap_free_and_counted()
    assert Petition.objects.values("query_code").distinct().count() == 1800
    assert not Petition.objects.exclude(events__action="register").exists()
    assert CalendarYear.objects.filter(complete=True).exists()  # the holiday calendar the deadlines count on


def test_seeded_petitions_follow_the_intake_rules():
    seed(1200)
    petitions = Petition.objects.all()

    # Timeline: one register event each, a route event for every routed one, a decision for the closed ones.
    registers = dict(PetitionEvent.objects.filter(action="register").values_list("petition").annotate(n=Count("id")))
    assert len(registers) == 1200 and set(registers.values()) == {1}
    assert not petitions.filter(status=Status.ROUTED).exclude(events__action="route").exists()
    assert not petitions.filter(status=Status.ROUTED, unit__isnull=True).exists()
    assert not petitions.filter(unit=F("intake_unit")).exists()  # nobody routes to their own unit
    for status, action in ((Status.NOT_ACCEPTED, "not_accept"), (Status.DIVERTED, "divert"), (Status.FILED, "file")):
        closed = petitions.filter(status=status)
        assert closed.exists()
        assert not closed.exclude(events__action=action, events__to_status=status).exists()
        assert not closed.filter(decision_reason="").exists() and not closed.filter(decided_at__isnull=True).exists()
    assert not PetitionEvent.objects.filter(at__lt=F("petition__received_at")).exists()

    # Decision deadline: the policy's 15 days from receipt, or from routing once routed (DESIGN §6).
    for petition in petitions.filter(status=Status.REGISTERED)[:50]:
        assert petition.decision_due == due_date(kind=DeadlineKind.DECISION, start=timezone.localdate(petition.received_at)).due_on
    for petition in petitions.filter(status=Status.ROUTED)[:50]:
        routed_on = timezone.localdate(petition.events.get(action="route").at)
        assert petition.decision_due == due_date(kind=DeadlineKind.DECISION, start=routed_on).due_on

    # Groups: 5 or more people, at most 5 representatives; singles are not groups.
    groups = petitions.filter(is_group=True)
    assert groups.exists() and not groups.filter(headcount__lt=5).exists()
    assert not petitions.filter(is_group=False, headcount__gte=5).exists()
    representatives = PetitionPetitioner.objects.filter(is_representative=True).values("petition").annotate(n=Count("id"))
    assert max(row["n"] for row in representatives) <= MAX_REPRESENTATIVES

    # Repeats: an earlier petition by the same person on the same matter (category and locality).
    repeats = petitions.filter(repeat_of__isnull=False).select_related("repeat_of")
    assert repeats.exists() and not petitions.filter(is_repeat=True, repeat_of__isnull=True).exists()
    for petition in repeats[:50]:
        earlier = petition.repeat_of
        assert (earlier.category_id, earlier.locality_id) == (petition.category_id, petition.locality_id)
        assert earlier.received_at <= petition.received_at
        assert set(petition.petitioners.values_list("pk", flat=True)) & set(earlier.petitioners.values_list("pk", flat=True))

    # People: valid ID numbers, encrypted, hashed for look-up, masked.
    for person in Petitioner.objects.exclude(id_number_hash="")[:100]:
        number = decrypt(person.id_number_encrypted)
        assert validate_id_number(number) == number
        assert person.id_number_hash == lookup_hash(number)
        assert person.id_number_masked == mask_id_number(number)

"""seed_demo writes its history through the services: every stage shows, timelines follow the
workflow, due dates are the engine's, and a second run adds nothing."""

from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import Notification, Unit, User
from cases.demo.county import SUBCATEGORIES, UNITS
from cases.models import TRANSITIONS, Case, CaseAction, CaseEvent, CaseStatus, SupervisionOrder
from deadlines.calendar import due_date
from deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from petitions.models import Category, Petition, PetitionEvent, RegistrationCounter, Status

pytestmark = pytest.mark.django_db

PETITIONS = 150


def seed(petitions: int = PETITIONS) -> str:
    out = StringIO()
    call_command("seed_demo", petitions=petitions, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (Unit, User, Category, Petition, PetitionEvent, Case, CaseEvent, Deadline, SupervisionOrder, Notification)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_shows_every_stage_through_the_services_and_is_safe_to_run_twice():
    seed()
    now = timezone.now()

    assert Unit.objects.filter(code__in=[code for code, _name, _kind in UNITS]).count() == len(UNITS)
    assert User.objects.filter(username__in=["clerk", "handler", "leader", "supervisor", "admin"]).count() == 5
    assert Category.objects.filter(parent__isnull=False).count() == sum(len(children) for children in SUBCATEGORIES.values())

    # Every petition status and every case status, whatever the size.
    # At least N: a returning petitioner's petitions come on top of the N drawn.
    assert PETITIONS <= Petition.objects.count() < PETITIONS * 1.1
    assert set(Petition.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert SupervisionOrder.objects.exists() and Notification.objects.exists()
    assert CaseEvent.objects.filter(action=CaseAction.EXTENSION_APPROVE).exists()
    assert CaseEvent.objects.filter(action=CaseAction.HEARING).exists()
    assert CaseEvent.objects.filter(action=CaseAction.EVALUATION).exists()

    # History spread over the past year and a half, nothing in the future.
    received = list(Petition.objects.values_list("received_at", flat=True))
    assert max(received) <= now and (now - min(received)).days > 365

    # Petitions: each event starts where the last ended and the last ends at the status.
    timelines = defaultdict(list)
    for event in PetitionEvent.objects.order_by("at", "id"):
        timelines[event.petition_id].append(event)
    for petition in Petition.objects.all():
        timeline = timelines[petition.pk]
        assert timeline[0].action == "register" and timeline[-1].to_status == petition.status
        assert petition.received_at <= timeline[0].at
    # Registration numbers are gap-free per year.
    for counter in RegistrationCounter.objects.all():
        numbers = sorted(
            int(reg_no.rsplit("-", 1)[1])
            for reg_no in Petition.objects.filter(reg_no__contains=f"-{counter.year}-").values_list("reg_no", flat=True)
        )
        assert numbers == list(range(1, counter.last_number + 1))

    # Cases: every move is one the workflow allows, in time order, ending at the case's status.
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("at", "id"):
        events[event.case_id].append(event)
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert timeline[0].action == CaseAction.ACCEPT and timeline[0].at == case.accepted_at
        for previous, event in zip(timeline, timeline[1:], strict=False):
            assert event.from_status == previous.to_status, (case.pk, event.action)
            if event.action != CaseAction.ATTACH_PETITION:
                allowed_from, result = TRANSITIONS[event.action]
                assert event.from_status in allowed_from and event.to_status == (result or event.from_status)
        assert timeline[-1].to_status == case.status and timeline[-1].at <= now

    # Due dates are the engine's, counted on the day; met or overdue agrees with the dates.
    for deadline in Deadline.objects.exclude(kind=DeadlineKind.SUPERVISION):
        expected = due_date(
            kind=deadline.kind, start=deadline.start_on, pauses=deadline.paused_days, extension_days=deadline.extension_days
        )
        assert deadline.due_on == expected.due_on
        if deadline.status in (DeadlineStatus.MET, DeadlineStatus.OVERDUE):
            assert (deadline.met_on <= deadline.due_on) == (deadline.status == DeadlineStatus.MET)

    # A case's petitions: the first accepted, the others attached.
    first = Case.objects.annotate(n=Count("petition_links")).values_list("n", flat=True)
    assert min(first) >= 1

    before = counts()
    assert "nothing to add" in seed()
    assert counts() == before

    # A top-up adds the difference, numbered after each year's last number.
    stored = Petition.objects.count()
    seed(stored + 10)
    assert Petition.objects.count() >= stored + 10
    for counter in RegistrationCounter.objects.all():
        assert Petition.objects.filter(reg_no__contains=f"-{counter.year}-").count() == counter.last_number

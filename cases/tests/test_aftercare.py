"""Work after conclusion (cases.services.aftercare, Art. 37 ¶3): only on a concluded case, by the team,
dated between acceptance and today, on the timeline; refusals change nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import Aftercare, CaseAction
from cases.tests.factories import make_case
from cases.tests.test_services import case_state
from petitions.models import TransitionNotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-06-15T10:00+08:00")]


def test_recorded_on_a_concluded_case_and_on_its_timeline(county):
    case = make_case(county, state="concluded")

    record = services.aftercare_record(
        actor=county.handler_a, case=case, kind="mediation", done_on=timezone.localdate(), note="组织调解，达成协议"
    )

    assert (record.kind, record.recorded_by, record.case_id) == ("mediation", county.handler_a, case.pk)
    event = case.events.latest("id")
    assert (event.action, event.from_status, event.to_status) == (CaseAction.AFTERCARE, "concluded", "concluded")
    assert "组织调解，达成协议" in event.note


@pytest.mark.parametrize("state", ["replied", "closed", "review_decided", "reexamination_requested"])
def test_only_when_concluded(county, state):
    case = make_case(county, state=state)
    before = case_state(case.pk)

    with pytest.raises(TransitionNotAllowed):
        services.aftercare_record(actor=county.handler_a, case=case, kind="guidance", done_on=timezone.localdate(), note="回访")

    assert case_state(case.pk) == before


def test_bad_input_and_other_roles_change_nothing(county):
    case = make_case(county, state="concluded", accepted_on=timezone.localdate() - timedelta(days=5))
    before = case_state(case.pk)
    today = timezone.localdate()
    bad = {
        "kind": {"kind": "party", "done_on": today, "note": "回访"},
        "done_on": {"kind": "guidance", "done_on": today - timedelta(days=6), "note": "回访"},
        "note": {"kind": "guidance", "done_on": today, "note": " "},
    }
    for field, arguments in bad.items():
        with pytest.raises(ValidationError) as error:
            services.aftercare_record(actor=county.handler_a, case=case, **arguments)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError):
        services.aftercare_record(actor=county.handler_a, case=case, kind="guidance", done_on=today + timedelta(days=1), note="回访")
    for actor in (county.leader_a, county.supervisor, county.clerk_a):
        with pytest.raises(PermissionDenied):
            services.aftercare_record(actor=actor, case=case, kind="guidance", done_on=today, note="回访")
    assert case_state(case.pk) == before
    assert not Aftercare.objects.exists()

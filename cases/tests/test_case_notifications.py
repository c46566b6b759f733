"""Who the case workflow notifies, written in the services' own transactions."""

import pytest
from django.utils import translation

from accounts.models import Notification, NotificationKind
from cases import services
from cases.tests.factories import make_case


def received(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "message"))


def test_assignment_tells_the_lead_official_and_the_members(county):
    case = make_case(county, state="assigned")

    assert [name for name, _message in received(NotificationKind.ASSIGNED)] == ["handler_a", "leader_a"]
    links = Notification.objects.filter(kind=NotificationKind.ASSIGNED).values_list("link", flat=True)
    assert set(links) == {f"/cases/{case.pk}/"}


@pytest.mark.parametrize(
    ("state", "waiting"),
    [("plan_submitted", "plan"), ("reply_drafted", "reply")],
)
def test_what_waits_for_approval_goes_to_the_lead_official(county, state, waiting):
    make_case(county, state=state)

    approvals = received(NotificationKind.APPROVAL)
    assert approvals and all(name == "leader_a" for name, _message in approvals)


def test_an_extension_request_and_its_decision(county):
    case = make_case(county, state="in_progress")
    Notification.objects.all().delete()

    services.extension_request(actor=county.handler_a, case=case, days=10, reason="需要进一步调查")
    # The leaders of the lead unit, township A, its head among them (Art. 34).
    assert [name for name, _message in received(NotificationKind.APPROVAL)] == ["leader_a"]

    services.extension_reject(actor=county.leader_a, case=case, reason="现有期限足够")
    ((name, message),) = received(NotificationKind.DECIDED)
    assert name == "handler_a"
    assert case.handling_due.isoformat() in message and "现有期限足够" in message


def test_a_reply_sent_back_tells_its_drafter_why(county):
    case = make_case(county, state="reply_drafted")
    Notification.objects.all().delete()

    services.reply_reject(actor=county.leader_a, case=case, reason="法律依据引用不准确")

    ((name, message),) = received(NotificationKind.DECIDED)
    assert name == "handler_a"
    assert "法律依据引用不准确" in message


def test_a_plan_sent_back_tells_whoever_submitted_it_why(county):
    case = make_case(county, state="plan_submitted")

    services.plan_reject(actor=county.leader_a, case=case, reason="补充调查材料")

    ((name, message),) = received(NotificationKind.DECIDED)
    assert name == "handler_a"
    assert "补充调查材料" in message


def test_an_approved_reply_tells_the_drafter_to_serve_it(county):
    make_case(county, state="reply_approved")

    decided = received(NotificationKind.DECIDED)
    assert ("handler_a" in {name for name, _message in decided}) and len(decided) == 2  # the plan, then the reply


def test_a_refused_action_notifies_no_one(county):
    case = make_case(county, state="plan_submitted")
    before = Notification.objects.count()

    with pytest.raises(Exception):  # noqa: B017, PT011 - the refusal itself is tested in test_services
        services.plan_approve(actor=county.handler_a, case=case)

    assert Notification.objects.count() == before


def test_messages_are_in_the_countys_language_whoever_acts(county):
    with translation.override("en"):
        make_case(county, state="assigned")

    messages = Notification.objects.filter(kind=NotificationKind.ASSIGNED).values_list("message", flat=True)
    assert messages and all("案件" in message for message in messages)

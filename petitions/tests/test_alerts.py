"""Notifications intake sends: visit alerts to the county's leaders and supervisors, and the
competent unit's notice that a petition waits for its decision."""

import pytest
from django.utils import translation

from accounts.models import Notification, NotificationKind, OutboxEmail
from accounts.tests.factories import make_user
from petitions import services
from petitions.tests.factories import make_petition


@pytest.fixture
def county_leader(county):
    return make_user(unit=county.leadership, roles=["leader"], username="county_leader")


def alerted() -> list[str]:
    return sorted(Notification.objects.filter(kind=NotificationKind.ALERT).values_list("recipient__username", flat=True))


def test_a_group_visit_of_fifty_alerts_the_county_leaders_and_supervisors_at_once(county, county_leader):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, headcount=50)

    assert alerted() == ["county_leader", "supervisor"]
    notification = Notification.objects.filter(kind=NotificationKind.ALERT).first()
    assert petition.reg_no in notification.message
    assert notification.link == f"/petitions/{petition.pk}/"
    assert notification.subject == petition


def test_a_smaller_group_or_a_big_joint_letter_alerts_no_one(county, county_leader):
    make_petition(actor=county.clerk_a, locality=county.township_a, headcount=49)
    make_petition(actor=county.clerk_a, locality=county.township_a, headcount=80, channel="letter")

    assert alerted() == []


def test_the_size_is_a_setting(county, county_leader, settings):
    settings.GROUP_VISIT_ALERT_SIZE = 10

    make_petition(actor=county.clerk_a, locality=county.township_a, headcount=10)

    assert alerted() == ["county_leader", "supervisor"]


@pytest.mark.parametrize("flag", ["to_beijing", "to_province"])
def test_a_visit_to_beijing_or_the_province_alerts_whatever_its_size(county, county_leader, flag):
    make_petition(actor=county.clerk_a, locality=county.township_a, **{flag: True})

    assert alerted() == ["county_leader", "supervisor"]


def test_a_township_leader_is_not_the_county_leadership(county):
    make_petition(actor=county.clerk_a, locality=county.township_a, headcount=60)

    assert "leader_a" not in alerted()


def test_an_alert_is_written_in_the_countys_language_whoever_registers(county, county_leader):
    with translation.override("en"):
        make_petition(actor=county.clerk_a, locality=county.township_a, to_beijing=True)

    assert all("赴京" in message for message in Notification.objects.filter(kind=NotificationKind.ALERT).values_list("message", flat=True))


def test_a_refused_registration_alerts_no_one(county, county_leader):
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal; what matters is that nothing was sent
        make_petition(actor=county.handler_a, locality=county.township_a, headcount=60)

    assert not Notification.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_routing_tells_the_competent_units_clerks_and_handlers(county):
    petition = make_petition(actor=county.bureau_clerk, locality=county.township_a)

    services.petition_route(actor=county.bureau_clerk, petition=petition, unit=county.township_b, mode="transfer", reason="按职责转送")

    routed = Notification.objects.filter(kind=NotificationKind.ROUTED)
    assert sorted(routed.values_list("recipient__username", flat=True)) == ["clerk_b", "handler_b"]
    assert all(petition.reg_no in message for message in routed.values_list("message", flat=True))

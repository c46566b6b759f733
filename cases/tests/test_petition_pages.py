"""The petition pages that show cases too (cases.views: the start page, the petition's page, the
decision on a petition) as intake sees them: every page and action as the allowed role, a refused
role, another unit and anonymous. Refused requests must change nothing (`db_state()`). The case
parts of these pages are tested in test_views.py.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions.models import Petition, Status
from petitions.tests.factories import make_id_number, make_petition
from petitions.tests.test_views import assert_login_redirect, login


@pytest.fixture(autouse=True)
def english(settings):
    """English UI so assertions can read messages."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def petition_a(county):
    """Registered by the township A clerk, about township A."""
    return make_petition(actor=county.clerk_a, locality=county.township_a, id_number=make_id_number(501), name="李四")


# --- home -----------------------------------------------------------------------------------


def test_home_anonymous_redirects_to_login(client):
    assert_login_redirect(client.get(reverse("home")))


def test_home_lists_todays_registrations_in_scope_only(client, county, petition_a):
    other = make_petition(actor=county.clerk_b, locality=county.township_b)
    response = login(client, county.clerk_a).get(reverse("home"))
    assert response.status_code == 200
    assert list(response.context["registered_today"]) == [petition_a]
    html = response.content.decode()
    assert petition_a.reg_no in html
    assert other.reg_no not in html


def test_home_lists_decisions_due_within_three_days_and_overdue(client, county):
    today = timezone.localdate()
    overdue = make_petition(actor=county.clerk_a, locality=county.township_a)
    soon = make_petition(actor=county.clerk_a, locality=county.township_a)
    later = make_petition(actor=county.clerk_a, locality=county.township_a)
    decided = make_petition(actor=county.clerk_a, locality=county.township_a)
    Petition.objects.filter(pk=overdue.pk).update(decision_due=today - timedelta(days=1))
    Petition.objects.filter(pk=soon.pk).update(decision_due=today + timedelta(days=3))
    Petition.objects.filter(pk=later.pk).update(decision_due=today + timedelta(days=4))
    Petition.objects.filter(pk=decided.pk).update(decision_due=today, status=Status.FILED)

    response = login(client, county.clerk_a).get(reverse("home"))

    assert list(response.context["due_soon"]) == [overdue, soon]
    assert "Overdue" in response.content.decode()


def test_home_register_button_only_for_those_who_may_register(client, county):
    assert b'id="register-button"' in login(client, county.clerk_a).get(reverse("home")).content
    assert b'id="register-button"' not in login(client, county.handler_a).get(reverse("home")).content


# --- petition page --------------------------------------------------------------------------


def test_detail_shows_the_petition_masked_data_and_timeline(client, county, petition_a):
    response = login(client, county.clerk_a).get(reverse("petition-detail", args=[petition_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert petition_a.reg_no in html
    assert "李四" in html and "110105********" in html and "138****8000" in html
    assert make_id_number(501) not in html and "13800138000" not in html
    assert [event.action for event in response.context["timeline"]] == ["register"]
    assert response.context["route_form"] is not None and response.context["decision_form"] is not None


def test_detail_shows_times_in_asia_shanghai(client, county):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, received_at=datetime(2025, 12, 31, 16, 30, tzinfo=UTC))
    html = login(client, county.clerk_a).get(reverse("petition-detail", args=[petition.pk])).content.decode()
    assert "2026-01-01 00:30" in html


@pytest.mark.time_machine("2026-09-17T10:00+08:00")  # the day after it was received: still open, and not in the future
def test_detail_explains_the_decision_deadline_of_an_open_petition(client, county):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, received_at=datetime(2026, 9, 16, 2, 0, tzinfo=UTC))
    assert petition.decision_due == date(2026, 10, 8)
    html = login(client, county.clerk_a).get(reverse("petition-detail", args=[petition.pk])).content.decode()
    assert "Start day 2026-09-16 (not counted); 15 calendar days end on 2026-10-01." in html
    assert "The last day, 2026-10-01, is a public holiday (国庆节); it moves to the next working day, 2026-10-08." in html
    assert "it would be" not in html

    # A due date fixed under earlier rules is shown as recorded, with today's count beside it.
    Petition.objects.filter(pk=petition.pk).update(decision_due=date(2026, 10, 9))
    html = client.get(reverse("petition-detail", args=[petition.pk])).content.decode()
    assert "calendar and limits it would be 2026-10-08." in html

    Petition.objects.filter(pk=petition.pk).update(status=Status.FILED)
    html = client.get(reverse("petition-detail", args=[petition.pk])).content.decode()
    assert 'id="decision-deadline-explanation"' not in html and "Start day" not in html


def test_detail_other_unit_gets_404(client, county, petition_a):
    assert login(client, county.clerk_b).get(reverse("petition-detail", args=[petition_a.pk])).status_code == 404


def test_detail_anonymous_redirects(client, petition_a):
    assert_login_redirect(client.get(reverse("petition-detail", args=[petition_a.pk])))


def test_detail_shows_only_the_actions_the_user_may_take(client, county, petition_a):
    leader = login(client, county.leader_a).get(reverse("petition-detail", args=[petition_a.pk]))
    assert leader.status_code == 200
    assert leader.context["route_form"] is None and leader.context["decision_form"] is None
    assert leader.context["attachment_form"] is None
    assert b'id="route-form"' not in leader.content

    handler = login(client, county.handler_a).get(reverse("petition-detail", args=[petition_a.pk]))
    assert handler.context["route_form"] is None
    assert handler.context["decision_form"] is not None

    Petition.objects.filter(pk=petition_a.pk).update(status=Status.FILED)
    closed = login(client, county.clerk_a).get(reverse("petition-detail", args=[petition_a.pk]))
    assert closed.context["route_form"] is None and closed.context["decision_form"] is None


def test_detail_links_the_earlier_petition_of_a_repeat(client, county, petition_a):
    person = make_petition(actor=county.clerk_a, locality=county.township_a, id_number=make_id_number(501), name="李四")
    assert person.repeat_of == petition_a
    html = login(client, county.clerk_a).get(reverse("petition-detail", args=[person.pk])).content.decode()
    assert f'href="{reverse("petition-detail", args=[petition_a.pk])}"' in html


# --- close at intake ------------------------------------------------------------------------


def decide(client, petition, decision="not_accept", reason="属于诉讼程序"):
    return client.post(reverse("petition-decide", args=[petition.pk]), {"decision": decision, "reason": reason})


@pytest.mark.parametrize(
    ("user", "decision", "status"),
    [("clerk_a", "not_accept", Status.NOT_ACCEPTED), ("handler_a", "divert", Status.DIVERTED), ("clerk_a", "file", Status.FILED)],
)
def test_decide(client, county, petition_a, user, decision, status):
    response = decide(login(client, getattr(county, user)), petition_a, decision)
    assert response.status_code == 302
    petition_a.refresh_from_db()
    assert (petition_a.status, petition_a.decision_reason) == (status, "属于诉讼程序")


def test_decide_refused_role_other_unit_and_anonymous_change_nothing(client, county, petition_a, db_state):
    before = db_state()
    assert decide(login(client, county.leader_a), petition_a).status_code == 403
    assert decide(login(client, county.clerk_b), petition_a).status_code == 404
    client.logout()
    assert_login_redirect(decide(client, petition_a))
    assert db_state() == before


def test_decide_without_reason_shows_the_services_error_on_the_field(client, county, petition_a, db_state):
    before = db_state()
    response = decide(login(client, county.clerk_a), petition_a, reason="  ")
    assert response.status_code == 400
    assert response.context["decision_form"].errors["reason"]
    assert db_state() == before


def test_decide_twice_is_a_conflict(client, county, petition_a, db_state):
    login(client, county.clerk_a)
    decide(client, petition_a, "file")
    before = db_state()
    response = decide(client, petition_a, "divert")
    assert response.status_code == 409
    assert db_state() == before

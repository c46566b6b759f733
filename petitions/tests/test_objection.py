"""The objection (Art. 23 ¶3): the unit a petition was routed to hands it back as not competent within
5 working days of routing, through the service, the API and the page; later, or by anyone else, it
is refused and nothing changes."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Notification, NotificationKind
from deadlines import services as deadline_services
from deadlines.models import CalendarDay, DeadlineKind
from deadlines.selectors import deadlines_of
from petitions import selectors, services
from petitions.models import Action, Petition, RouteMode, Status, TransitionNotAllowed
from petitions.tests.factories import make_petition
from petitions.tests.test_views import assert_login_redirect, login

ROUTED_AT = datetime.fromisoformat("2026-11-02T10:00+08:00")  # a Monday
LAST_DAY = date(2026, 11, 10)  # 3, (4 a holiday), 5, 6, (7-8 weekend), 9, 10 November


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def routed(county):
    """Registered by the bureau and routed by it to township A on Monday 2 November; Wednesday 4 November is a holiday."""
    deadline_services.calendar_day_save(actor=county.admin, day=CalendarDay(date=date(2026, 11, 4), is_workday=False, name="地方假日"))
    with time_machine.travel(ROUTED_AT, tick=False):
        petition = make_petition(actor=county.bureau_clerk, locality=county.township_a)
        return services.petition_route(actor=county.bureau_clerk, petition=petition, unit=county.township_a, mode=RouteMode.ASSIGN)


def at_shanghai(day: date):
    return time_machine.travel(datetime.fromisoformat(f"{day.isoformat()}T16:00+08:00"), tick=False)


def test_the_last_day_counts_working_days_from_the_routing(routed):
    assert selectors.objection_window(petition=routed).due_on == LAST_DAY


def test_on_the_last_day_it_goes_back_to_the_routing_unit_with_a_fresh_clock(county, routed):
    with at_shanghai(LAST_DAY):
        back = services.petition_object(actor=county.handler_a, petition=routed, reason="  属县人社局职责  ")
    back.refresh_from_db()
    assert (back.status, back.unit_id, back.route_mode, back.responsible_unit_id) == (Status.REGISTERED, None, "", county.bureau.pk)
    clock = deadlines_of(back).get(kind=DeadlineKind.DECISION)
    assert (clock.start_on, clock.due_on) == (LAST_DAY, back.decision_due)
    event = back.events.last()
    assert (event.action, event.from_status, event.to_status, event.unit, event.note, event.actor) == (
        Action.OBJECT,
        Status.ROUTED,
        Status.REGISTERED,
        county.bureau,
        "属县人社局职责",
        county.handler_a,
    )
    notice = Notification.objects.get(kind=NotificationKind.OBJECTED)
    assert notice.recipient == county.bureau_clerk
    assert notice.link == reverse("petition-detail", args=[back.pk])


def test_the_day_after_the_last_day_is_refused_naming_it(county, routed, db_state):
    before = db_state()
    with at_shanghai(LAST_DAY + timedelta(days=1)), pytest.raises(TransitionNotAllowed, match="2026-11-10"):
        services.petition_object(actor=county.handler_a, petition=routed, reason="不属本单位")
    assert db_state() == before


def test_routed_on_by_a_unit_that_did_not_register_it_goes_back_to_that_unit(county, routed):
    with at_shanghai(date(2026, 11, 3)):
        onward = services.petition_route(
            actor=county.clerk_a, petition=routed, unit=county.department, mode=RouteMode.TRANSFER, reason="按职责转送"
        )
        back = services.petition_object(actor=county.department_handler, petition=onward, reason="属乡镇职责")
    assert (back.status, back.unit_id, back.responsible_unit_id) == (Status.REGISTERED, county.township_a.pk, county.township_a.pk)
    assert list(Notification.objects.filter(kind=NotificationKind.OBJECTED).values_list("recipient", flat=True)) == [county.clerk_a.pk]


@pytest.mark.parametrize(
    ("actor", "refusal"), [("leader_a", PermissionDenied), ("clerk_b", PermissionDenied), ("bureau_clerk", PermissionDenied)]
)
def test_only_the_unit_it_was_routed_to_may_object(county, routed, db_state, actor, refusal):
    before = db_state()
    with at_shanghai(date(2026, 11, 3)), pytest.raises(refusal):
        services.petition_object(actor=getattr(county, actor), petition=routed, reason="不属本单位")
    assert db_state() == before


def test_an_objection_needs_a_reason(county, routed, db_state):
    before = db_state()
    with at_shanghai(date(2026, 11, 3)), pytest.raises(ValidationError) as error:
        services.petition_object(actor=county.handler_a, petition=routed, reason=" ")
    assert "reason" in error.value.message_dict
    assert db_state() == before


# Through the API: POST /petitions/{id}/object/


def object_api(user, petition, body=None):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api.post(f"/api/v1/petitions/{petition.pk}/object/", body or {"reason": "不属本单位职责"}, format="json")


def test_api_objection_answers_the_petition_back_at_the_routing_unit(county, routed):
    with at_shanghai(date(2026, 11, 3)):
        response = object_api(county.clerk_a, routed)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["unit"]) == ("registered", None)


def test_api_objection_refusals_change_nothing(county, routed, db_state):
    before = db_state()
    with at_shanghai(date(2026, 11, 3)):
        assert object_api(county.leader_a, routed).status_code == 403
        assert object_api(county.clerk_b, routed).status_code == 404
        assert object_api(None, routed).status_code == 401
        assert object_api(county.handler_a, routed, {"reason": ""}).status_code == 400
    with at_shanghai(LAST_DAY + timedelta(days=1)):
        late = object_api(county.handler_a, routed)
    assert late.status_code == 409
    assert "2026-11-10" in late.json()["detail"]
    assert db_state() == before


# The page


def test_page_offers_the_objection_with_its_last_day_only_while_it_is_open(client, county, routed):
    url = reverse("petition-detail", args=[routed.pk])
    with at_shanghai(date(2026, 11, 3)):
        page = login(client, county.handler_a).get(url)
        assert page.context["objection_form"] is not None
        assert "2026-11-10" in page.content.decode()
        assert login(client, county.leader_a).get(url).context["objection_form"] is None
        assert login(client, county.bureau_clerk).get(url).context["objection_form"] is None
    with at_shanghai(LAST_DAY + timedelta(days=1)):
        assert login(client, county.handler_a).get(url).context["objection_form"] is None


def test_page_objection_hands_it_back_and_leaves_for_the_list(client, county, routed):
    with at_shanghai(date(2026, 11, 3)):
        response = login(client, county.handler_a).post(reverse("petition-object", args=[routed.pk]), {"reason": "不属本单位职责"})
    assert response.status_code == 302
    assert response["Location"] == reverse("petition-list")
    assert Petition.objects.get(pk=routed.pk).status == Status.REGISTERED


def test_page_objection_refusals_change_nothing(client, county, routed, db_state):
    url = reverse("petition-object", args=[routed.pk])
    before = db_state()
    with at_shanghai(date(2026, 11, 3)):
        assert login(client, county.leader_a).post(url, {"reason": "x"}).status_code == 403
        assert login(client, county.clerk_b).post(url, {"reason": "x"}).status_code == 404
        assert login(client, county.handler_a).post(url, {"reason": ""}).status_code == 400
        client.logout()
        assert_login_redirect(client.post(url, {"reason": "x"}))
    with at_shanghai(LAST_DAY + timedelta(days=1)):
        late = login(client, county.handler_a).post(url, {"reason": "不属本单位职责"})
    assert late.status_code == 409
    assert db_state() == before

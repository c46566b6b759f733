from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import make_user
from cases import selectors, services
from cases.models import Case
from cases.tests.factories import make_case
from petitions import services as petition_services
from petitions.tests.factories import make_petition


@pytest.fixture
def cases(county):
    """An in-progress case of township A (department supporting), and one of township B."""
    own = make_case(county, state="in_progress")
    petition_b = make_petition(actor=county.clerk_b, locality=county.township_b, received_at=timezone.now() - timedelta(days=7))
    petition_b = petition_services.petition_route(actor=county.clerk_b, petition=petition_b, unit=county.township_b, mode="transfer")
    _petition, other = services.petition_accept(
        actor=county.handler_b, petition=petition_b, accepted_on=timezone.localdate() - timedelta(days=5)
    )
    return own, other


def visible(user):
    return set(selectors.cases_visible_to(user).values_list("pk", flat=True))


def test_scope_follows_the_access_table(county, cases):
    own, other = cases
    assert visible(county.supervisor) == visible(county.admin) == {own.pk, other.pk}
    assert visible(county.clerk_a) == {own.pk}
    assert visible(county.handler_a) == {own.pk}
    assert visible(county.leader_a) == {own.pk}
    assert visible(county.handler_b) == {other.pk}
    # The department supports township A's case: its handler sees that one through the team.
    assert visible(county.department_handler) == {own.pk}
    # A leader elsewhere sees the case they lead, and a member from elsewhere the case they are on.
    outside_leader = make_user(unit=county.township_b, roles=["leader"])
    services.case_lead_change(actor=county.supervisor, case=own, lead_official=outside_leader, reason="调整")
    assert visible(outside_leader) == {own.pk, other.pk}


def test_case_get_is_404_outside_scope(county, cases):
    own, other = cases
    assert selectors.case_get(user=county.handler_a, pk=own.pk) == own
    with pytest.raises(Http404):
        selectors.case_get(user=county.handler_a, pk=other.pk)


def test_case_get_reads_the_cases_units_without_more_queries_and_leaves_the_user_alone(county, cases, django_assert_num_queries):
    own, _other = cases
    stored = Case.objects.select_related("locality", "accepting_unit", "lead_unit").get(pk=own.pk)
    user = User.objects.get(pk=county.handler_a.pk)  # its unit not read yet

    case = selectors.case_get(user=user, pk=own.pk)

    with django_assert_num_queries(0):
        names = [case.locality.name, case.accepting_unit.name, case.lead_unit.name]
    assert names == [stored.locality.name, stored.accepting_unit.name, stored.lead_unit.name]
    assert case.stability_unit is None and case.stability_unit_id is None
    # The user's unit is read with the user, once per request (accounts.authentication); selectors
    # read what they are given and never set it.
    assert not User.unit.is_cached(user)


def test_filters(county, cases):
    own, other = cases
    user = county.supervisor
    ids = lambda **filters: set(selectors.case_list(user=user, filters=filters).values_list("pk", flat=True))  # noqa: E731
    assert ids(status="in_progress") == {own.pk}
    assert ids(status="accepted") == {other.pk}
    assert ids(lead_official=county.leader_a.pk) == {own.pk}
    assert ids(unit=county.department.pk) == {own.pk}
    assert ids(unit=county.township_b.pk) == {other.pk}
    assert ids(overdue="false") == {own.pk, other.pk}
    assert ids(overdue="true") == set()
    assert ids(due_before=(timezone.localdate() + timedelta(days=200)).isoformat()) == {own.pk, other.pk}
    assert ids(due_before=timezone.localdate().isoformat()) == set()
    assert ids(category=own.category_id) == {own.pk, other.pk}
    assert set(selectors.case_list(user=county.leader_a, filters={"mine": "true"}).values_list("pk", flat=True)) == {own.pk}
    assert set(selectors.case_list(user=county.handler_b, filters={"mine": "true"}).values_list("pk", flat=True)) == set()


def test_an_old_unserved_case_is_overdue(county):
    today = timezone.localdate()
    late = make_case(county, state="assigned", accepted_on=today - timedelta(days=100))
    served_late = make_case(county, state="reply_approved", accepted_on=today - timedelta(days=100))
    services.reply_serve(actor=county.handler_a, case=served_late, served_on=today)
    on_time = make_case(county, state="replied")
    assert set(selectors.case_list(user=county.supervisor, filters={"overdue": "true"})) == {late, served_late}
    assert set(selectors.case_list(user=county.supervisor, filters={"overdue": "false"})) == {on_time}
    for case in Case.objects.all():
        assert case.is_overdue(today) == (case != on_time)


def test_approval_inbox_lists_what_awaits_the_lead_official(county):
    plan = make_case(county, state="plan_submitted")
    extension = make_case(county, state="in_progress")
    services.extension_request(actor=county.handler_a, case=extension, days=10, reason="调查")
    reply = make_case(county, state="reply_drafted")
    make_case(county, state="in_progress")
    make_case(county, state="replied")
    assert set(selectors.approval_inbox(user=county.leader_a)) == {plan, extension, reply}
    assert not selectors.approval_inbox(user=county.handler_a).exists()


def test_ordering_by_handling_due(county):
    later = make_case(county, state="assigned", accepted_on=timezone.localdate() - timedelta(days=1))
    sooner = make_case(county, state="assigned", accepted_on=timezone.localdate() - timedelta(days=20))
    assert list(selectors.case_list(user=county.supervisor, filters={"ordering": "handling_due"})) == [sooner, later]
    assert list(selectors.case_list(user=county.supervisor, filters={"ordering": "-accepted_at"}))[0] == sooner


def test_a_handlers_cases_by_nearest_deadline(county):
    later = make_case(county, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=1))
    sooner = make_case(county, state="in_progress", accepted_on=timezone.localdate() - timedelta(days=20))
    make_case(county, state="closed")
    assert list(selectors.cases_by_deadline(user=county.handler_a)) == [sooner, later]


def test_list_and_page_queries_do_not_grow_with_rows_or_events(county, django_assert_num_queries):
    first = make_case(county, state="in_progress")

    def read_list():
        for case in selectors.case_list(user=county.handler_a):
            str(case.category), str(case.lead_official), str(case.locality), str(case.accepting_unit)

    def read_page(pk):
        def read():
            case = selectors.case_get(user=county.handler_a, pk=pk)
            list(case.supporting_units.all()), list(case.members.all()), list(case.plans.all()), list(case.deadlines.all())
            [link.petition.reg_no for link in case.petition_links.all()]
            [str(event.actor) for event in selectors.case_timeline(case)]

        return read

    with django_assert_num_queries(1):
        read_list()
    with django_assert_num_queries(13):
        read_page(first.pk)()
    busy = make_case(county, state="concluded")
    for _ in range(3):
        make_case(county, state="evaluated")
    with django_assert_num_queries(1):
        read_list()
    with django_assert_num_queries(13):
        read_page(busy.pk)()
    assert Case.objects.count() == 5

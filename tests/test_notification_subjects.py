"""API: notifications about a case or a petition name their subject (accounts' notification list
with cases' and petitions' objects as subjects)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Notification
from accounts.tests.test_notification_api import LIST_URL, as_user, send
from cases.tests.factories import make_case


@pytest.fixture
def api():
    return APIClient()


def test_the_subject_is_named_as_a_case_or_a_petition(api, county):
    case = make_case(county, state="accepted")
    petition = case.petitions.get()
    about_case = send(county.handler_a, "关于案件", subject=case)
    about_petition = send(county.handler_a, "关于信访件", subject=petition)
    about_a_unit = send(county.handler_a, "其他", subject=county.township_a)

    rows = {row["id"]: row for row in as_user(api, county.handler_a).get(LIST_URL).json()["results"]}

    assert (rows[about_case.pk]["case"], rows[about_case.pk]["petition"]) == (case.pk, None)
    assert (rows[about_petition.pk]["case"], rows[about_petition.pk]["petition"]) == (None, petition.pk)
    assert (rows[about_a_unit.pk]["case"], rows[about_a_unit.pk]["petition"]) == (None, None)


@pytest.mark.parametrize("rows", [1, 60])
def test_list_query_count_does_not_grow_with_the_rows(api, county, django_assert_max_num_queries, rows):
    case = make_case(county, state="accepted")
    Notification.objects.filter(recipient=county.handler_a).delete()
    for index in range(rows):
        send(county.handler_a, f"通知{index}", subject=case if index % 2 else case.petitions.get(), read=index % 3 == 0)
    as_user(api, county.handler_a)
    with django_assert_max_num_queries(2):  # the count and the page (the subject's content type joined in)
        response = api.get(LIST_URL)
    assert len(response.json()["results"]) == min(rows, 50)

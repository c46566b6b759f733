"""Who sees which units' data, and the user list."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import UnitKind
from accounts.selectors import unit_descendant_ids, user_list, visible_unit_ids
from accounts.tests.factories import make_unit, make_user


@pytest.fixture
def tree(db):
    """A department with two offices, one office with a sub-office, and a township beside them."""
    department = make_unit(kind=UnitKind.DEPARTMENT)
    office_1 = make_unit(kind=UnitKind.DEPARTMENT, parent=department)
    office_2 = make_unit(kind=UnitKind.DEPARTMENT, parent=department)
    sub_office = make_unit(kind=UnitKind.DEPARTMENT, parent=office_1)
    township = make_unit(kind=UnitKind.TOWNSHIP)
    return department, office_1, office_2, sub_office, township


@pytest.mark.parametrize("roles", [["supervisor"], ["admin"], ["clerk", "supervisor"]])
def test_supervisors_and_administrators_see_the_whole_county(tree, roles):
    assert visible_unit_ids(make_user(unit=tree[4], roles=roles)) is None


def test_a_superuser_sees_the_whole_county(tree):
    user = make_user(unit=None, roles=[])
    user.is_superuser = True
    assert visible_unit_ids(user) is None


def test_others_see_their_unit_and_the_units_below_it(tree):
    department, office_1, office_2, sub_office, township = tree
    assert visible_unit_ids(make_user(unit=department, roles=["clerk"])) == {department.pk, office_1.pk, office_2.pk, sub_office.pk}
    assert visible_unit_ids(make_user(unit=office_1, roles=["handler"])) == {office_1.pk, sub_office.pk}
    assert visible_unit_ids(make_user(unit=sub_office, roles=["leader"])) == {sub_office.pk}
    assert visible_unit_ids(make_user(unit=township, roles=["clerk"])) == {township.pk}


def test_a_user_without_a_unit_sees_nothing(tree):
    assert visible_unit_ids(make_user(unit=None, roles=["clerk"])) == set()


def test_an_anonymous_visitor_sees_nothing(db):
    assert visible_unit_ids(AnonymousUser()) == set()


def test_the_answer_is_kept_for_the_request(tree, django_assert_num_queries):
    user = make_user(unit=tree[0], roles=["clerk"])
    with django_assert_num_queries(1):
        first = visible_unit_ids(user)
        again = visible_unit_ids(user)
    assert first == again


def test_descendants_survive_a_cycle(tree):
    """A unit tree edited into a loop by mistake must not hang every page."""
    department, office_1, *_ = tree
    department.parent = office_1
    department.save()
    assert department.pk in unit_descendant_ids(office_1.pk)


@pytest.fixture
def staff(db):
    township = make_unit(kind=UnitKind.TOWNSHIP)
    department = make_unit(kind=UnitKind.DEPARTMENT)
    users = {
        "clerk": make_user(unit=township, roles=["clerk"], username="a_clerk"),
        "leader": make_user(unit=township, roles=["leader"], username="b_leader"),
        "handler_leader": make_user(unit=department, roles=["handler", "leader"], username="c_handler_leader"),
        "supervisor": make_user(unit=department, roles=["supervisor"], username="d_supervisor"),
    }
    retired = make_user(unit=township, roles=["leader"], username="e_retired_leader")
    retired.is_active = False
    retired.save()
    return township, department, users


def test_user_list_filters_by_role(staff):
    _township, _department, users = staff
    assert list(user_list(role="leader")) == [users["leader"], users["handler_leader"]]
    assert list(user_list(role="clerk")) == [users["clerk"]]
    assert list(user_list(role="admin")) == []


def test_a_role_matches_whole_names_only(staff):
    assert list(user_list(role="lead")) == []
    assert list(user_list(role="super")) == []


def test_user_list_filters_by_unit_and_leaves_out_inactive_users(staff):
    township, department, users = staff
    assert list(user_list(unit_id=township.pk)) == [users["clerk"], users["leader"]]
    assert list(user_list(role="leader", unit_id=department.pk)) == [users["handler_leader"]]
    assert len(user_list()) == 4

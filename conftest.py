"""Fixtures shared by all tests: a small county with one user per role, and a state snapshot.

`--today=YYYY-MM-DD` runs the session as if on that day, so that a date-dependent test fails on
demand rather than on the one day of the year it happens to break.
"""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import UnitKind
from accounts.tests.factories import make_unit, make_user


def pytest_addoption(parser):
    parser.addoption(
        "--today",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="run the tests with the clock travelled to 10:00 Asia/Shanghai on this day (ticking)",
    )


TODAY_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_configure(config):
    """Travel before collection, in the controller and in every xdist worker (each configures its own session)."""
    today = config.getoption("today")
    if today is not None:
        morning = dt.datetime.combine(today, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
        config.stash[TODAY_TRAVEL] = time_machine.travel(morning, tick=True)
        config.stash[TODAY_TRAVEL].start()


def pytest_unconfigure(config):
    if TODAY_TRAVEL in config.stash:
        config.stash[TODAY_TRAVEL].stop()


def pytest_report_header(config):
    today = config.getoption("today")
    return f"today: {today} (clock travelled)" if today else None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Django's default hasher costs a third of a second per user; tests create hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def county(db):
    """Bureau, leadership, a department and two townships (A, B), with users in each role.

    `*_a` users belong to township A, `*_b` ones to township B ("the other unit").
    """
    bureau = make_unit(kind=UnitKind.BUREAU, name="县信访局")
    leadership = make_unit(kind=UnitKind.LEADERSHIP, name="县领导")
    department = make_unit(kind=UnitKind.DEPARTMENT, name="县人社局")
    township_a = make_unit(kind=UnitKind.TOWNSHIP, name="城关镇")
    township_b = make_unit(kind=UnitKind.TOWNSHIP, name="河口乡")
    return SimpleNamespace(
        bureau=bureau,
        leadership=leadership,
        department=department,
        township_a=township_a,
        township_b=township_b,
        bureau_clerk=make_user(unit=bureau, roles=["clerk"], username="bureau_clerk"),
        clerk_a=make_user(unit=township_a, roles=["clerk"], username="clerk_a"),
        handler_a=make_user(unit=township_a, roles=["handler"], username="handler_a"),
        leader_a=make_user(unit=township_a, roles=["leader"], username="leader_a"),
        clerk_b=make_user(unit=township_b, roles=["clerk"], username="clerk_b"),
        handler_b=make_user(unit=township_b, roles=["handler"], username="handler_b"),
        department_handler=make_user(unit=department, roles=["handler"], username="department_handler"),
        supervisor=make_user(unit=bureau, roles=["supervisor"], username="supervisor"),
        admin=make_user(unit=bureau, roles=["admin"], username="admin_user"),
    )


@pytest.fixture
def db_state(db):
    """Call to get a fingerprint of everything intake writes; compare before and after a refused request."""
    from petitions.models import Attachment, PersonalDataReveal, Petition, Petitioner, PetitionEvent, RegistrationCounter

    def snapshot():
        return {
            "petitions": list(Petition.objects.order_by("pk").values_list("pk", "status", "unit_id", "route_mode", "decision_reason")),
            "events": PetitionEvent.objects.count(),
            "petitioners": Petitioner.objects.count(),
            "attachments": Attachment.objects.count(),
            "reveals": PersonalDataReveal.objects.count(),
            "counters": list(RegistrationCounter.objects.values_list("year", "last_number")),
        }

    return snapshot

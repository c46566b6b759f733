"""The known month: a small county whose statistics for September 2026 are worked out by hand.

`known_month` registers every petition and drives every case through the real services, then sets
the dates that services stamp with "now" (decided_at, issued_at, responded_at, handling_due) with
queryset updates: the tests set the clock, they never sleep. The figures it must give are written
out below and in reporting/tests/test_selectors.py, counted by hand from the tables in this
docstring, never by running the selectors' logic again. Other report tests (page, PDF, Excel, CSV)
may use the fixture and the constants: `from reporting.tests.conftest import SEPTEMBER, SEPTEMBER_TOTALS`.

Units: the county fixture's bureau (B), leadership (L), department (D), township A (TA), township
B (TB), and `sub_unit` (S), a department under township A: township A's report includes it.
Times are in Asia/Shanghai. "unrouted" means the petition stays with the unit that registered it.

September 2026 (14 petitions):

| name | received | channel (people) | responsible unit | category | purpose | locality | flags |
| --- | --- | --- | --- | --- | --- | --- | --- |
| s1 | 09-01 00:00:00 | visit (1) | TA (routed) | 08 | complaint | TA | skip-level |
| s2 | 09-02 09:00 | letter | TB (unrouted) | 07 | request | TB | |
| s3 | 09-03 09:00 | letter | TA (routed) | 08 | complaint | TA | |
| s4 | 09-04 10:00 | visit (2) | TB (unrouted) | 0801 (under 08) | appeal | TB | to-province |
| s5 | 09-05 10:00 | letter | TA (unrouted) | 06 | suggestion | TA | |
| s6 | 09-07 09:30 | group visit (6) | D (bureau routed it) | 07 | complaint | TA | skip-level, to-Beijing |
| s7 | 09-08 14:00 | online | B (unrouted) | 99 | other | TB | |
| s8 | 09-09 15:00 | group visit (5) | S (routed) | 0801 | request | TA | |
| s9 | 09-10 11:00 | online | TA (TB's clerk routed it) | 11 | suggestion | TB | |
| s10 | 09-11 16:00 | phone | TA (unrouted) | 08 | complaint | TA | skip-level on a call: not counted |
| s11 | 09-14 08:30 | mailbox | L (routed) | 04 | suggestion | TA | to-Beijing on mail: not counted |
| s12 | 09-15 09:00 | letter | TA (routed) | 08 | complaint | TA | repeat of s3 |
| s13 | 09-16 10:00 | visit (1) | TA (unrouted) | 08 | complaint | TA | repeat of s1 |
| s14 | 09-30 23:59:59 | letter | TB (unrouted) | 13 | other | TB | |

Not in September: `october_first` at 10-01 00:00:00 (TB), August's six (a1 letter TA 08-28; a2 visit of
one, TB, 08-31 23:59:59; a3 group visit of 7, skip-level, TA; a4, a5, a6 online for B, TB, TA),
September 2025's five (two letters, a visit of 2 to the province, a phone call at 09-30 23:00, a group
visit of 8, skip-level), one letter in July 2026, and the cases' petitions (June 2026).

Decisions due in September (every other petition's decision is due on 2026-11-30):

| petition | due | decided at | at the month's end | on 2026-09-23 |
| --- | --- | --- | --- | --- |
| a1 | 09-11 | 09-11 23:30 (not accepted) | timely | timely |
| s2 | 09-17 | 09-18 00:30 (diverted) | late (by a day) | late |
| s3 | 09-18 | undecided | against | against |
| s7 | 09-23 | undecided | against | not counted (due today) |
| s5 | 09-20 | 09-10 10:00 (filed) | timely | timely |
| s8 | 09-25 | undecided | against | not counted (due later) |

Cases (accepted by TA, except `sub_unit`'s, accepted by S; leader_a leads all):

| case | handling due | reply served | evaluation | status |
| --- | --- | --- | --- | --- |
| served_on_due_day | 09-15 | 09-15 | satisfied | evaluated |
| extended | 09-22 (09-08 + 14 days' extension) | 09-22 | basically satisfied | evaluated |
| served_late | 09-10 | 09-14 | dissatisfied | evaluated |
| unserved_overdue | 09-12 | — | | in progress |
| unserved_due_on_the_23rd | 09-23 | — | | assigned |
| served_after_month | 09-21 | 10-08 | | replied |
| served_early_due_october | 10-20 | 09-18 | not yet | replied |
| due_august_served_september | 08-20 | 09-03 | basically satisfied | evaluated |
| late_before_month | 08-10 | 08-25 | | replied |
| sub_unit | 09-20 | 09-19 | satisfied | evaluated |

Supervision orders (on `unserved_overdue` and `unserved_due_on_the_23rd`):

| order | unit | issued | answered | in force in September |
| --- | --- | --- | --- | --- |
| answered_before | TA | 08-20 10:00 | 08-31 23:00 | no |
| answered_on_the_first | D | 08-25 09:00 | 09-01 00:30 | yes |
| open | TA | 09-10 09:00 | — | yes |
| issued_last_minute | TA | 09-30 23:59 | 10-05 10:00 | yes |
| issued_october | TA | 10-01 00:00 | — | no |
"""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import UnitKind
from accounts.tests.factories import make_unit
from cases import services as case_services
from cases.models import Case, SupervisionOrder
from cases.tests.factories import make_case
from config.celery import app as celery_app
from deadlines.models import Deadline, DeadlineKind
from petitions import services as petition_services
from petitions.models import Category, Petition
from petitions.tests.factories import category, make_id_number, make_petition
from reporting.periods import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")

SEPTEMBER = Period.month(2026, 9)
# Any day after the month gives the same figures; this one is the "as of" the selectors are asked with.
MONTH_OVER = date(2026, 10, 15)
# A day inside the month, as if it were still running.
RUNNING = date(2026, 9, 23)
# The decision due date of every petition not in the table of decisions above: in no month reported on.
DECISION_DUE_ELSEWHERE = date(2026, 11, 30)

SEPTEMBER_TOTALS = {
    "petitions": 14,
    "letters": 5,
    "visits_batches": 5,
    "visits_people": 15,
    "online": 2,
    "phone": 1,
    "mailbox": 1,
    "group_batches": 2,
    "group_people": 11,
    "repeat": 2,
    "skip_level": 2,
    "to_province": 1,
    "to_beijing": 1,
}
AUGUST_TOTALS = {
    "petitions": 6,
    "letters": 1,
    "visits_batches": 2,
    "visits_people": 8,
    "online": 3,
    "phone": 0,
    "mailbox": 0,
    "group_batches": 1,
    "group_people": 7,
    "repeat": 0,
    "skip_level": 1,
    "to_province": 0,
    "to_beijing": 0,
}
SEPTEMBER_2025_TOTALS = {
    "petitions": 5,
    "letters": 2,
    "visits_batches": 2,
    "visits_people": 10,
    "online": 0,
    "phone": 1,
    "mailbox": 0,
    "group_batches": 1,
    "group_people": 8,
    "repeat": 0,
    "skip_level": 1,
    "to_province": 1,
    "to_beijing": 0,
}
# The three rates' counts for the county once September is over.
SEPTEMBER_RATE_COUNTS = {
    "timely_acceptance": {"numerator": 2, "denominator": 6},
    "on_time_completion": {"numerator": 3, "denominator": 7},
    "participation": {"numerator": 5, "denominator": 6},
    "satisfaction": {"numerator": 4, "denominator": 5},
}
SEPTEMBER_RATES = {"timely_acceptance": 1 / 3, "on_time_completion": 3 / 7, "participation": 5 / 6, "satisfaction": 4 / 5}


def at(month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0, *, year: int = 2026) -> datetime:
    """A moment in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def _register(clerk, received_at: datetime, *, channel: str, locality, route_to=None, **fields) -> Petition:
    petition = make_petition(actor=clerk, locality=locality, received_at=received_at, channel=channel, **fields)
    if route_to is not None:
        petition = petition_services.petition_route(actor=clerk, petition=petition, unit=route_to, mode="transfer", reason="按职责转送")
    return petition


def _petitions(county, sub_unit) -> dict[str, Petition]:
    a, b, bureau = county.clerk_a, county.clerk_b, county.bureau_clerk
    ta, tb = county.township_a, county.township_b
    first_visitor, first_writer = make_id_number(), make_id_number()
    return {
        # September 2026
        "s1": _register(a, at(9, 1, 0, 0, 0), channel="visit", locality=ta, route_to=ta, skip_level=True, id_number=first_visitor),
        "s2": _register(b, at(9, 2), channel="letter", locality=tb, category_code="07", purpose="request"),
        "s3": _register(a, at(9, 3), channel="letter", locality=ta, route_to=ta, id_number=first_writer),
        "s4": _register(
            b, at(9, 4, 10), channel="visit", headcount=2, locality=tb, category_code="0801", purpose="appeal", to_province=True
        ),
        "s5": _register(a, at(9, 5, 10), channel="letter", locality=ta, category_code="06", purpose="suggestion"),
        "s6": _register(
            bureau,
            at(9, 7, 9, 30),
            channel="visit",
            headcount=6,
            locality=ta,
            route_to=county.department,
            category_code="07",
            skip_level=True,
            to_beijing=True,
        ),
        "s7": _register(bureau, at(9, 8, 14), channel="online", locality=tb, category_code="99", purpose="other"),
        "s8": _register(
            a, at(9, 9, 15), channel="visit", headcount=5, locality=ta, route_to=sub_unit, category_code="0801", purpose="request"
        ),
        "s9": _register(b, at(9, 10, 11), channel="online", locality=tb, route_to=ta, category_code="11", purpose="suggestion"),
        "s10": _register(a, at(9, 11, 16), channel="phone", locality=ta, skip_level=True),
        "s11": _register(
            bureau,
            at(9, 14, 8, 30),
            channel="mailbox",
            locality=ta,
            route_to=county.leadership,
            category_code="04",
            purpose="suggestion",
            to_beijing=True,
        ),
        "s12": _register(a, at(9, 15), channel="letter", locality=ta, route_to=ta, id_number=first_writer),
        "s13": _register(a, at(9, 16, 10), channel="visit", locality=ta, id_number=first_visitor),
        "s14": _register(b, at(9, 30, 23, 59, 59), channel="letter", locality=tb, category_code="13", purpose="other"),
        "october_first": _register(b, at(10, 1, 0, 0, 0), channel="letter", locality=tb, category_code="13", purpose="other"),
        # August 2026
        "a1": _register(a, at(8, 28, 10), channel="letter", locality=ta),
        "a2": _register(b, at(8, 31, 23, 59, 59), channel="visit", locality=tb, category_code="07", purpose="request"),
        "a3": _register(a, at(8, 10), channel="visit", headcount=7, locality=ta, route_to=ta, skip_level=True),
        "a4": _register(bureau, at(8, 15), channel="online", locality=tb, category_code="99", purpose="other"),
        "a5": _register(b, at(8, 16), channel="online", locality=tb),
        "a6": _register(a, at(8, 17), channel="online", locality=ta),
        # July 2026
        "j1": _register(a, at(7, 15), channel="letter", locality=ta),
        # September 2025
        "y1": _register(a, at(9, 5, year=2025), channel="letter", locality=ta),
        "y2": _register(b, at(9, 12, year=2025), channel="letter", locality=tb),
        "y3": _register(a, at(9, 20, year=2025), channel="visit", headcount=2, locality=ta, to_province=True),
        "y4": _register(a, at(9, 30, 23, year=2025), channel="phone", locality=ta),
        "y5": _register(b, at(9, 8, year=2025), channel="visit", headcount=8, locality=tb, skip_level=True),
    }


def _decisions(county, petitions: dict[str, Petition]) -> None:
    """The decisions due in September, as in the table; every other decision is due elsewhere."""
    petition_services.petition_not_accept(actor=county.clerk_a, petition=petitions["a1"], reason="不属于信访事项")
    petition_services.petition_divert(actor=county.clerk_b, petition=petitions["s2"], reason="应通过仲裁解决")
    petition_services.petition_file(actor=county.clerk_a, petition=petitions["s5"], reason="建议已转有关部门参考")
    Petition.objects.update(decision_due=DECISION_DUE_ELSEWHERE)
    decisions = {
        "a1": (date(2026, 9, 11), at(9, 11, 23, 30)),
        "s2": (date(2026, 9, 17), at(9, 18, 0, 30)),  # 16:30 UTC on the 17th: late only in Shanghai time
        "s3": (date(2026, 9, 18), None),
        "s7": (date(2026, 9, 23), None),
        "s5": (date(2026, 9, 20), at(9, 10, 10)),
        "s8": (date(2026, 9, 25), None),
    }
    for name, (due, decided_at) in decisions.items():
        Petition.objects.filter(pk=petitions[name].pk).update(decision_due=due, decided_at=decided_at)


def _set_handling_due(case: Case, due: date) -> None:
    Case.objects.filter(pk=case.pk).update(handling_due=due)
    Deadline.objects.filter(case=case, kind=DeadlineKind.HANDLING).update(due_on=due)


def _serve(county, case: Case, served_on: date, rating: str | None = None) -> None:
    case_services.reply_serve(actor=county.handler_a, case=Case.objects.get(pk=case.pk), served_on=served_on)
    if rating:
        case_services.evaluation_record(actor=county.handler_a, case=Case.objects.get(pk=case.pk), rating=rating)


def _case(county, *, unit, received: datetime, accepted_on: date, state: str, category_code: str = "08") -> Case:
    petition = _register(county.clerk_a, received, channel="letter", locality=county.township_a, route_to=unit, category_code=category_code)
    case = make_case(county, state=state, accepted_on=accepted_on, petition=petition)
    case.reg_no = petition.reg_no
    return case


def _cases(county, sub_unit) -> dict[str, Case]:
    ta = county.township_a
    june = [(at(6, day), date(2026, 6, day + 1)) for day in range(1, 12)]
    # (name, unit, state, handling due, served on, rating): the table above.
    plan = [
        ("served_on_due_day", ta, "reply_approved", date(2026, 9, 15), date(2026, 9, 15), "satisfied"),
        ("served_late", ta, "reply_approved", date(2026, 9, 10), date(2026, 9, 14), "dissatisfied"),
        ("unserved_overdue", ta, "in_progress", date(2026, 9, 12), None, None),
        ("unserved_due_on_the_23rd", ta, "assigned", date(2026, 9, 23), None, None),
        ("served_after_month", ta, "reply_approved", date(2026, 9, 21), date(2026, 10, 8), None),
        ("served_early_due_october", ta, "reply_approved", date(2026, 10, 20), date(2026, 9, 18), None),
        ("due_august_served_september", ta, "reply_approved", date(2026, 8, 20), date(2026, 9, 3), "basically_satisfied"),
        ("late_before_month", ta, "reply_approved", date(2026, 8, 10), date(2026, 8, 25), None),
        ("sub_unit", sub_unit, "reply_approved", date(2026, 9, 20), date(2026, 9, 19), "satisfied"),
    ]
    cases = {}
    for (name, unit, state, due, served_on, rating), (received, accepted_on) in zip(plan, june, strict=False):
        case = _case(
            county,
            unit=unit,
            received=received,
            accepted_on=accepted_on,
            state=state,
            category_code="07" if name == "unserved_overdue" else "08",
        )
        _set_handling_due(case, due)
        if served_on:
            _serve(county, case, served_on, rating)
        cases[name] = case

    # Extended: accepted 07-10, so handling is due 60 days later on 09-08; 14 more days make it 09-22,
    # and the reply served that day is on time.
    extended = _case(county, unit=ta, received=at(6, 30), accepted_on=date(2026, 7, 10), state="in_progress")
    assert extended.handling_due == date(2026, 9, 8)
    case_services.extension_request(actor=county.handler_a, case=extended, days=14, reason="需补充调查")
    case_services.extension_approve(actor=county.leader_a, case=Case.objects.get(pk=extended.pk))
    case_services.reply_draft(
        actor=county.handler_a,
        case=Case.objects.get(pk=extended.pk),
        outcome="support",
        content="支持诉求",
        legal_basis="《中华人民共和国劳动合同法》第三十条",
    )
    case_services.reply_approve(actor=county.leader_a, case=Case.objects.get(pk=extended.pk))
    _serve(county, extended, date(2026, 9, 22), "basically_satisfied")
    assert Case.objects.get(pk=extended.pk).handling_due == date(2026, 9, 22)
    cases["extended"] = extended

    for name, case in cases.items():
        reg_no = case.reg_no
        cases[name] = Case.objects.select_related("accepting_unit", "category").get(pk=case.pk)
        cases[name].reg_no = reg_no
    return cases


def _order(county, case: Case, unit, responder, *, issued_at: datetime, due_on: date, answered_at: datetime | None) -> SupervisionOrder:
    order = case_services.supervision_issue(
        actor=county.supervisor, case=Case.objects.get(pk=case.pk), unit=unit, due_on=timezone.localdate(), instruction="限期办结并报告"
    )
    if answered_at:
        order = case_services.supervision_respond(actor=responder, order=order, response="已督促办理")
    SupervisionOrder.objects.filter(pk=order.pk).update(issued_at=issued_at, due_on=due_on, responded_at=answered_at)
    return SupervisionOrder.objects.get(pk=order.pk)


def _orders(county, cases: dict[str, Case]) -> dict[str, SupervisionOrder]:
    overdue, later = cases["unserved_overdue"], cases["unserved_due_on_the_23rd"]
    ta, handler_a = county.township_a, county.handler_a
    return {
        "answered_before": _order(
            county, overdue, ta, handler_a, issued_at=at(8, 20, 10), due_on=date(2026, 8, 28), answered_at=at(8, 31, 23)
        ),
        "answered_on_the_first": _order(
            county,
            overdue,
            county.department,
            county.department_handler,
            issued_at=at(8, 25),
            due_on=date(2026, 9, 5),
            answered_at=at(9, 1, 0, 30),  # 16:30 UTC on 31 August
        ),
        "open": _order(county, overdue, ta, handler_a, issued_at=at(9, 10), due_on=date(2026, 9, 20), answered_at=None),
        "issued_last_minute": _order(
            county, later, ta, handler_a, issued_at=at(9, 30, 23, 59), due_on=date(2026, 10, 8), answered_at=at(10, 5, 10)
        ),
        "issued_october": _order(county, later, ta, handler_a, issued_at=at(10, 1, 0, 0), due_on=date(2026, 10, 10), answered_at=None),
    }


@pytest.fixture(autouse=True)
def _after_the_known_month(time_machine):
    """The tables' petitions, cases and orders (September 2026, followed up to 30 November) must lie in
    the past: registering one later than now is refused. These tests run on a day after all of them."""
    time_machine.move_to("2026-12-04T10:00+08:00")


@pytest.fixture
def inline_tasks():
    """Tasks run in the process that queues them, as without REDIS_URL (CI sets it)."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(saved)


@pytest.fixture
def known_month(county):
    """The county with the petitions, decisions, cases and supervision orders of the tables above.

    Returns a namespace: `county` (the county fixture, plus `sub_unit`), `sub_unit`, `sub_category`
    (0801, under 08 城乡建设), `petitions`, `cases` (each with `reg_no`, its first petition's) and
    `orders`, keyed by the names in the tables.
    """
    county.sub_unit = make_unit(kind=UnitKind.DEPARTMENT, name="城关镇司法所", parent=county.township_a)
    sub_category = Category.objects.create(code="0801", name="城市管理", parent=category("08"))
    petitions = _petitions(county, county.sub_unit)
    assert [name for name, petition in petitions.items() if petition.is_repeat] == ["s12", "s13"]
    cases = _cases(county, county.sub_unit)
    _decisions(county, petitions)
    orders = _orders(county, cases)
    return SimpleNamespace(
        county=county, sub_unit=county.sub_unit, sub_category=sub_category, petitions=petitions, cases=cases, orders=orders
    )

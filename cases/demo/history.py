"""The demo county's history, written by the product's own services.

Each petition's life is a story: a generator that calls one service, then yields the moment of its
next step. The stories run in time order, each step with the clock set to its moment
(time-machine), so every row, event, due date, notification and e-mail is what the product writes
on that day. Whatever would happen after now does not happen: the petition or case stays where
its story stopped, which is how the demo shows every stage.

Deterministic: one seeded random generator, and a heap ordered by (moment, story number).
"""

import heapq
import itertools
import logging
import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import time_machine
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Unit, User
from cases import selectors, services
from cases.demo import text
from cases.demo.county import BUREAU_CODE, GIVEN_NAME_CHARACTERS, HOME_TOWNSHIP_CODE, SUBCATEGORIES, SURNAMES, TOWNSHIP_WEIGHTS
from cases.models import HANDLING_STATUSES, Case, CaseStatus, Outcome, Rating, SupervisionOrder
from petitions import services as petition_services
from petitions.identity import ID_CHECK_CHARACTERS, ID_WEIGHTS
from petitions.models import Category, Channel, Petition, Purpose, RouteMode, Status
from petitions.selectors import routing_suggestion

HISTORY_DAYS = 540  # about 18 months: the statistics compare a month with the one before and a year before
SEED = 20_260_101
REGION_CODES = ("410526",) * 8 + ("410527", "410523", "410502", "411321")

CHANNEL_WEIGHTS = {Channel.LETTER: 24, Channel.VISIT: 30, Channel.ONLINE: 36, Channel.PHONE: 7, Channel.MAILBOX: 3}
PURPOSE_WEIGHTS = {Purpose.COMPLAINT: 62, Purpose.REQUEST: 22, Purpose.APPEAL: 6, Purpose.SUGGESTION: 6, Purpose.OTHER: 4}
# What the registering clerk does first, and what the competent unit then decides.
INTAKE_WEIGHTS = {"route": 86, "file": 7, "divert": 4, "not_accept": 3}
DECISION_WEIGHTS = {"accept": 62, "not_accept": 12, "divert": 8, "file": 4, "none": 14}
REPEAT_SHARE = 0.17  # the same person on the same matter again
GROUP_SHARE = 0.03  # of visits
RETURN_SHARE = 0.5  # of concluded matters, the petitioner comes back once more ("not accepted again")
REPORT_SHARE = 0.85  # of assigned petitions replied to, the report is sent (the rest show the reminders)
AFTERCARE_SHARE = 0.6  # of concluded matters, work with the petitioner is recorded
NEW_FACTS_SHARE = 0.15  # of petitions on a concluded matter, those the handler finds bring something new

Story = Generator[datetime, None, None]

# One petition for each stage the demo must show whatever its size: (days since received, what the
# story does where it would draw lots, the stage where it stops as if the rest had not happened yet).
# Everything else is drawn; at the default size these add about 1 % to it.
SHOWCASE: list[tuple[int, dict]] = [
    # The ages leave room for the longest draws and a weekend before the stage is reached.
    (0, {"stop": Status.REGISTERED}),
    (5, {"stop": Status.ROUTED}),
    (22, {"stop": CaseStatus.ACCEPTED}),
    (26, {"stop": CaseStatus.ASSIGNED}),
    (35, {"stop": CaseStatus.PLAN_SUBMITTED}),
    (50, {"stop": CaseStatus.IN_PROGRESS}),
    (80, {"extension": "requested"}),
    (90, {"extension": "approved", "attach": True, "stop": CaseStatus.IN_PROGRESS}),
    (105, {"stop": CaseStatus.REPLY_DRAFTED}),
    (110, {"stop": CaseStatus.REPLY_APPROVED}),
    (115, {"evaluate": False, "stop": CaseStatus.REPLIED}),
    (125, {"evaluate": True, "stop": CaseStatus.EVALUATED}),
    (140, {"review": False, "stop": CaseStatus.CLOSED}),
    (150, {"review": True, "stop": CaseStatus.REVIEW_REQUESTED}),
    (180, {"review": True, "reexamine": False, "stop": CaseStatus.REVIEW_DECIDED}),
    (210, {"review": True, "reexamine": True, "hearing": True, "stop": CaseStatus.REEXAMINATION_REQUESTED}),
    (360, {"review": True, "reexamine": True, "hearing": True, "return": True}),
]


@dataclass
class HistoryReport:
    existing: int = 0
    added: int = 0
    steps: int = 0


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str


def _id_number(region: str, birth: date, serial: int) -> str:
    first_17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first_17 + ID_CHECK_CHARACTERS[sum(int(digit) * weight for digit, weight in zip(first_17, ID_WEIGHTS, strict=True)) % 11]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _office_hours(rng: random.Random, moment: datetime) -> datetime:
    """An office hour that day, or on the Monday after a weekend (public holidays are not skipped)."""
    local = timezone.localtime(moment)
    day = local.date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(8, 30)) + timedelta(minutes=rng.randrange(0, 8 * 60)))


class History:
    """Runs the stories for `count` new petitions received over the last HISTORY_DAYS."""

    def __init__(self, *, count: int, users: dict[str, User], units: dict[str, Unit], rng: random.Random) -> None:
        self.rng = rng
        self.count = count
        self.users = users
        self.units = units
        self.now = timezone.now()
        self.report = HistoryReport()
        self.heap: list[tuple[datetime, int, Story]] = []
        self.numbers = itertools.count()
        self.categories = {category.code: category for category in Category.objects.filter(parent__isnull=False)}
        self.departments = {code: department for children in SUBCATEGORIES.values() for code, _name, department in children}
        self.townships = list(TOWNSHIP_WEIGHTS)
        self.people: list[Person] = []
        self.matters: list[tuple[Person, str, str]] = []  # (person, category code, township code) petitioned before
        self.supervisor = users["supervisor"]

    # The scheduler.

    def start(self, story: Story, at: datetime) -> None:
        if at <= self.now:
            heapq.heappush(self.heap, (at, next(self.numbers), story))

    def run(self, *, showcase: bool) -> HistoryReport:
        scripts = [script for _days, script in SHOWCASE] if showcase else []
        for received_at in self._arrivals(len(scripts)):
            self.start(self._petition_story(received_at), received_at)
        for (days, _script), script in zip(SHOWCASE, scripts, strict=False):
            received_at = self.now - timedelta(days=days, hours=1)
            self.start(self._petition_story(received_at, script=script), received_at)
        # The history's e-mails are sent (the outbox marks them sent on their day) but delivered nowhere;
        # Celery's eager runs of the outbox task would log every one of them.
        quiet = logging.getLogger("celery.app.trace")
        level = quiet.level
        quiet.setLevel(logging.WARNING)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                while self.heap:
                    self._day()
        finally:
            quiet.setLevel(level)
        return self.report

    def _day(self) -> None:
        """One day's steps in one transaction (a commit per step is most of SQLite's time); it commits
        at the day's end, so the outbox sends that day's e-mails then."""
        first = timezone.localtime(self.heap[0][0])
        end = min(timezone.make_aware(datetime.combine(first.date(), time(23, 59, 59))), self.now)
        with time_machine.travel(end, tick=False), transaction.atomic():
            while self.heap and self.heap[0][0] <= end:
                at, _number, story = heapq.heappop(self.heap)
                with time_machine.travel(at, tick=False):
                    following = next(story, None)
                self.report.steps += 1
                if following is not None:
                    self.start(story, max(following, at))

    def _arrivals(self, scripted: int) -> Iterator[datetime]:
        """Receipt times over the history, more of them lately (the county's volume grows)."""
        span = HISTORY_DAYS * 86400
        for _ in range(self.count - scripted):
            # Density rising linearly from 1 to 3 across the span.
            fraction = (-1 + (1 + 8 * self.rng.random()) ** 0.5) / 2
            yield self.now - timedelta(seconds=span * (1 - fraction)) - timedelta(minutes=30)

    # People and who acts.

    def _person(self) -> Person:
        serial = len(self.people)
        birth = date(1945, 1, 1) + timedelta(days=self.rng.randrange(0, 60 * 365))
        region = self.rng.choice(REGION_CODES)
        name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN_NAME_CHARACTERS, k=self.rng.choice((1, 2, 2))))
        person = Person(name=name, id_number=_id_number(region, birth, serial % 1000), phone=f"139{self.rng.randrange(10**8):08d}")
        self.people.append(person)
        return person

    def _user(self, role: str, unit_code: str) -> User:
        if unit_code == HOME_TOWNSHIP_CODE and role in ("handler", "leader") and self.rng.random() < 0.5:
            return self.users[role]  # the plain demo users work the county seat's cases too
        if unit_code == BUREAU_CODE and role == "clerk" and self.rng.random() < 0.5:
            return self.users["clerk"]
        return self.users[f"{role}_{unit_code}"]

    def _later(self, at: datetime, low_days: float, high_days: float, *, office: bool = True) -> datetime:
        """A moment between the two delays after `at`, in office hours unless `office` is false; never before `at`."""
        moment = at + timedelta(days=self.rng.uniform(low_days, high_days))
        if office:
            moment = _office_hours(self.rng, moment)
            if moment < at:  # the office hour drawn was earlier that day: the next working day
                moment = _office_hours(self.rng, moment + timedelta(days=1))
        return moment

    # Petitions.

    def _petition_story(
        self, received_at: datetime, *, matter: tuple[Person, str, str] | None = None, returning: bool = False, script: dict | None = None
    ) -> Story:
        """Registered, then filed, diverted or not accepted at intake, or routed to the competent unit,
        which decides; an accepted petition opens a case (or joins the open one on its matter). A
        `returning` petitioner comes back on a concluded matter: routed and put to the unit."""
        rng = self.rng
        script = script or {}
        channel = _pick(rng, CHANNEL_WEIGHTS)
        if channel != Channel.ONLINE:
            received_at = min(_office_hours(rng, received_at), self.now - timedelta(minutes=5))
        if matter is None and not script and self.matters and rng.random() < REPEAT_SHARE:
            matter = rng.choice(self.matters)
        if matter is None:
            category_code = rng.choice(list(self.categories))
            township = rng.choices(self.townships, weights=list(TOWNSHIP_WEIGHTS.values()))[0]
            matter = (self._person(), category_code, township)
            self.matters.append(matter)
        person, category_code, township = matter
        is_group = channel == Channel.VISIT and rng.random() < GROUP_SHARE
        people = [person, *(self._person() for _ in range(rng.randint(0, 4) if is_group else 0))]
        petitioners = [
            petition_services.petitioner_input_clean(
                name=someone.name,
                id_number=someone.id_number,
                phone=someone.phone,
                township=self.units[township],
                is_representative=is_group,
            )
            for someone in people
        ]
        intake_code = BUREAU_CODE if rng.random() < 0.6 else township
        clerk = self._user("clerk", intake_code)
        summary = rng.choice(text.SUMMARIES[category_code]).format(
            village=rng.choice(text.VILLAGE_STEMS) + "村",
            company=rng.choice(text.COMPANIES),
            compound=rng.choice(text.COMPOUNDS),
            project=rng.choice(text.PROJECTS),
            road=rng.choice(text.ROADS),
            n=rng.randint(2, 30),
            amount=rng.randint(2, 200),
            township=self.units[township].name,
        )
        visit = channel == Channel.VISIT
        yield min(received_at + timedelta(minutes=rng.randint(3, 40)), self.now)  # registered, even in the last minutes
        petition = petition_services.petition_register(
            actor=clerk,
            channel=channel,
            received_at=received_at,
            petitioners=petitioners,
            category=self.categories[category_code],
            purpose=_pick(rng, PURPOSE_WEIGHTS),
            locality=self.units[township],
            summary=summary,
            content=f"{summary}，{rng.choice(text.REQUESTS)}",
            headcount=rng.randint(5, 60) if is_group else None,
            skip_level=visit and rng.random() < 0.05,
            to_province=visit and rng.random() < 0.01,
            to_beijing=visit and rng.random() < 0.004,
            joint_letter=channel == Channel.LETTER and rng.random() < 0.03,
        )
        intake = "route" if returning or script else _pick(rng, INTAKE_WEIGHTS)
        if script.get("stop") == Status.REGISTERED:
            return
        yield self._later(received_at, 0, 2)
        petition = Petition.objects.get(pk=petition.pk)
        if intake != "route":
            self._close(petition, intake, actor=clerk)
            return
        competent = routing_suggestion(petition).unit.code  # the clerk follows the routing rules
        petition = petition_services.petition_route(
            actor=clerk, petition=petition, unit=self.units[competent], mode=RouteMode.ASSIGN if rng.random() < 0.3 else RouteMode.TRANSFER
        )
        routed_at = timezone.now()
        decision = _pick(rng, DECISION_WEIGHTS)
        if returning or script or (petition.is_repeat and rng.random() < 0.85):
            decision = "accept"
        if script.get("stop") == Status.ROUTED:
            return
        if decision == "none":
            return  # never decided: its limit passes unmet, as some do
        yield self._later(routed_at, 0.5, 12)
        petition = Petition.objects.get(pk=petition.pk)
        handler = self._user("handler", competent)
        if decision != "accept":
            self._close(petition, decision, actor=handler)
            return
        try:
            petition, case = services.petition_accept(actor=handler, petition=petition, reason=rng.choice(text.ACCEPT_NOTES))
        except services.ConcludedMatter as concluded:
            # The handler judges the concluded matter: mostly the same facts and reasons, now and then something new.
            if rng.random() >= NEW_FACTS_SHARE:
                services.petition_not_accept_again(
                    actor=handler, petition=petition, concluded_case=concluded.case, reason=rng.choice(text.NOT_ACCEPTED_AGAIN_REASONS)
                )
                return
            petition, case = services.petition_accept(actor=handler, petition=petition, new_facts=rng.choice(text.NEW_FACTS))
        if petition.status == Status.ACCEPTED:
            self.start(
                self._case_story(case.pk, competent, matter=matter, is_group=petition.is_group, script=script),
                self._later(timezone.now(), 0.5, 3),
            )

    def _close(self, petition: Petition, decision: str, *, actor: User) -> None:
        reasons = {"file": text.FILED_REASONS, "divert": text.DIVERTED_REASONS, "not_accept": text.NOT_ACCEPTED_REASONS}[decision]
        close = {
            "file": petition_services.petition_file,
            "divert": petition_services.petition_divert,
            "not_accept": petition_services.petition_not_accept,
        }[decision]
        close(actor=actor, petition=petition, reason=self.rng.choice(reasons))

    # Cases.

    def _case(self, pk: int) -> Case:
        return Case.objects.select_related("lead_official").prefetch_related("members").get(pk=pk)

    def _case_story(  # noqa: C901 - one case's whole life, step by step
        self, pk: int, unit_code: str, *, matter: tuple[Person, str, str], is_group: bool, script: dict
    ) -> Story:
        rng = self.rng
        stop = script.get("stop")

        def chance(key: str, share: float) -> bool:
            return script[key] if key in script else rng.random() < share

        def stopped() -> bool:
            return stop is not None and Case.objects.filter(pk=pk, status=stop).exists()

        if stop == CaseStatus.ACCEPTED:
            return
        leader = self._user("leader", unit_code)
        handler = self._user("handler", unit_code)
        case = self._case(pk)
        supporting = []
        department = self.departments.get(case.category.code)
        if department and department != unit_code and rng.random() < 0.4:
            supporting = [self.units[department]]
        stability = self.units["gongan"] if is_group and unit_code != "gongan" else None
        members = [handler, *(self.users[f"handler_{unit.code}"] for unit in supporting)]
        services.case_assign(
            actor=leader,
            case=case,
            lead_official=leader,
            lead_unit=self.units[unit_code],
            supporting_units=supporting,
            stability_unit=stability,
            members=members,
        )
        accepted_at = case.accepted_at
        if rng.random() < 0.08:
            self.start(self._supervision_story(pk, unit_code), self._later(accepted_at, 20, 55))
        if script.get("attach"):  # the petitioner writes again while the case is open: attached to it
            again = self._later(timezone.now(), 2, 6, office=False)
            self.start(self._petition_story(again, matter=matter, returning=True), again)
        if stopped():
            return

        yield self._later(timezone.now(), 1, 5)
        services.plan_submit(actor=handler, case=self._case(pk), content=rng.choice(text.PLANS))
        if stopped():
            return
        if rng.random() < 0.12:
            yield self._later(timezone.now(), 1, 3)
            services.plan_reject(actor=leader, case=self._case(pk), reason=rng.choice(text.PLAN_REJECT_REASONS))
            yield self._later(timezone.now(), 1, 4)
            services.plan_submit(actor=handler, case=self._case(pk), content=rng.choice(text.PLANS))
        yield self._later(timezone.now(), 1, 3)
        services.plan_approve(actor=leader, case=self._case(pk))
        if stopped() and "extension" not in script:
            return

        for _ in range(rng.randint(1, 3)):
            yield self._later(timezone.now(), 3, 10)
            services.progress_add(actor=handler, case=self._case(pk), note=rng.choice(text.PROGRESS_NOTES))
        if rng.random() < 0.2:
            yield self._later(timezone.now(), 1, 5)
            services.leader_meeting_add(
                actor=handler,
                case=self._case(pk),
                kind=rng.choice(("talk", "reception")),
                held_on=timezone.localdate(),
                leader=leader,
                note=rng.choice(text.LEADER_MEETING_NOTES),
            )
        extension = script.get("extension") or (rng.random() < 0.1 and ("approved" if rng.random() < 0.8 else "rejected"))
        if extension:
            yield self._later(accepted_at, 40, 50)
            services.extension_request(
                actor=handler, case=self._case(pk), days=rng.choice((15, 20, 30)), reason=rng.choice(text.EXTENSION_REASONS)
            )
            if extension == "requested":
                return
            yield self._later(timezone.now(), 1, 4)
            if extension == "approved":
                services.extension_approve(actor=leader, case=self._case(pk))
            else:
                services.extension_reject(actor=leader, case=self._case(pk), reason="办理期限足够，请按期办结。")
            if stopped():
                return

        due = self._case(pk).handling_due
        late = rng.random() < 0.1
        draft_on = due + timedelta(days=rng.randint(1, 12)) if late else due - timedelta(days=rng.randint(6, 25))
        yield max(_office_hours(rng, timezone.make_aware(datetime.combine(draft_on, time(9)))), timezone.now())
        outcome = _pick(rng, {Outcome.SUPPORT: 35, Outcome.EXPLAIN: 45, Outcome.NOT_SUPPORT: 20})
        services.reply_draft(
            actor=handler,
            case=self._case(pk),
            outcome=outcome,
            content=rng.choice(text.REPLIES[outcome]),
            legal_basis=text.LEGAL_BASES.get(case.category.code[:2], text.GENERAL_LEGAL_BASIS),
        )
        if stopped():
            return
        yield self._later(timezone.now(), 0.5, 2)
        services.reply_approve(actor=leader, case=self._case(pk))
        if stopped():
            return
        yield self._later(timezone.now(), 0.5, 3)
        services.reply_serve(actor=handler, case=self._case(pk), served_on=timezone.localdate())
        served_at = timezone.now()
        if selectors.assignments_unreported([pk]).exists() and rng.random() < REPORT_SHARE:
            self.start(self._report_story(pk, handler), self._later(served_at, 1, 8))
        if stopped():
            return

        rating = None
        if chance("evaluate", 0.75):
            yield self._later(served_at, 2, 10)
            rating = _pick(rng, {Rating.SATISFIED: 62, Rating.BASICALLY_SATISFIED: 26, Rating.DISSATISFIED: 12})
            services.evaluation_record(
                actor=handler, case=self._case(pk), rating=rating, comment=rng.choice(text.EVALUATION_COMMENTS[rating])
            )
        review_share = 0.55 if rating == Rating.DISSATISFIED else (0.14 if outcome == Outcome.NOT_SUPPORT else 0.04)
        if stopped():
            return
        if not chance("review", review_share):
            yield self._later(served_at, 12, 28)
            services.case_close(actor=leader, case=self._case(pk))
            return
        yield self._later(served_at, 12, 26)
        services.review_request(
            actor=handler, case=self._case(pk), requested_on=timezone.localdate(), reason=rng.choice(text.REVIEW_REASONS)
        )
        if stopped():
            return
        yield self._later(timezone.now(), 8, 25)
        review = _pick(rng, {Outcome.SUPPORT: 15, Outcome.EXPLAIN: 45, Outcome.NOT_SUPPORT: 40})
        review_body = self.units[unit_code].higher_body or "县人民政府"
        services.review_decide(
            actor=self.supervisor,
            case=self._case(pk),
            outcome=review,
            content=text.OPINIONS[review][0],
            legal_basis=rng.choice(text.REVIEW_BASES),
            served_on=timezone.localdate(),
            body=review_body,
        )
        if stopped() or not chance("reexamine", 0 if review == Outcome.SUPPORT else 0.5):
            return
        yield self._later(timezone.now(), 5, 20)
        services.reexamination_request(
            actor=handler, case=self._case(pk), requested_on=timezone.localdate(), reason=rng.choice(text.REEXAMINATION_REASONS)
        )
        if chance("hearing", 0.3):
            yield self._later(timezone.now(), 3, 8)
            services.hearing_add(
                actor=handler,
                case=self._case(pk),
                held_on=timezone.localdate(),
                end_on=timezone.localdate(),
                venue=rng.choice(text.HEARING_VENUES),
                participants=text.HEARING_PARTICIPANTS,
                outcome=rng.choice(text.HEARING_OUTCOMES),
            )
        if stopped():
            return
        yield self._later(timezone.now(), 8, 25)
        final = _pick(rng, {Outcome.EXPLAIN: 60, Outcome.NOT_SUPPORT: 40})
        services.reexamination_decide(
            actor=self.supervisor,
            case=self._case(pk),
            outcome=final,
            content=text.OPINIONS[final][0],
            legal_basis=rng.choice(text.REEXAMINATION_BASES),
            served_on=timezone.localdate(),
            body=rng.choice(text.REEXAMINATION_BODIES),
        )
        if rng.random() < AFTERCARE_SHARE:
            self.start(self._aftercare_story(pk, handler), self._later(timezone.now(), 5, 40))
        if chance("return", RETURN_SHARE):
            back = self._later(timezone.now(), 10, 90, office=False)
            self.start(self._petition_story(back, matter=matter, returning=True), back)

    def _report_story(self, pk: int, handler: User) -> Story:
        """The assigned petition's completion report to the unit that assigned it (Art. 22)."""
        services.completion_report_submit(actor=handler, case=self._case(pk), content=self.rng.choice(text.COMPLETION_REPORTS))
        yield from ()

    def _aftercare_story(self, pk: int, handler: User) -> Story:
        """After conclusion the team keeps working with the petitioner (Art. 37 ¶3)."""
        kind = self.rng.choice(list(text.AFTERCARE_NOTES))
        services.aftercare_record(
            actor=handler,
            case=self._case(pk),
            kind=kind,
            done_on=timezone.localdate(),
            note=self.rng.choice(text.AFTERCARE_NOTES[kind]),
        )
        yield from ()

    def _supervision_story(self, pk: int, unit_code: str) -> Story:
        case = self._case(pk)
        if case.status not in HANDLING_STATUSES:
            return  # replied in time: nothing to order
        order = services.supervision_issue(
            actor=self.supervisor,
            case=case,
            unit=self.units[unit_code],
            due_on=timezone.localdate() + timedelta(days=self.rng.randint(5, 10)),
            instruction=self.rng.choice(text.SUPERVISION_INSTRUCTIONS),
        )
        if self.rng.random() < 0.15:
            return  # never answered: the scan keeps reminding the unit
        yield self._later(timezone.now(), 1, 12)
        services.supervision_respond(
            actor=self._user("handler", unit_code),
            order=SupervisionOrder.objects.get(pk=order.pk),
            response=self.rng.choice(text.SUPERVISION_RESPONSES),
        )


def history_add(*, requested: int, units: dict[str, Unit], users: dict[str, User]) -> HistoryReport:
    """Bring the database to at least `requested` petitions; the new ones come with their whole history."""
    existing = Petition.objects.count()
    count = max(0, requested - existing)
    rng = random.Random(f"{SEED}-{existing}")  # a top-up tells another story than the first run
    # The showcase once, in the first run; a top-up draws everything.
    showcase = existing == 0 and count >= 5 * len(SHOWCASE)
    report = History(count=count, users=users, units=units, rng=rng).run(showcase=showcase) if count else HistoryReport()
    report.existing, report.added = existing, count
    return report

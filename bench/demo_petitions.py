"""Historical petitions for the demo county, generated and loaded in bulk.

A run brings the database up to a requested number of petitions: it adds the missing ones and
never touches existing rows. New petitions are spread over the past 24 months; registration
numbers continue each year's RegistrationCounter (gap-free, the counters are locked for the
load), so running again with the same number adds nothing and a larger number adds on top.

Petitioners come from a pool of people (about one per five petitions, at most 200,000) reused
across petitions, as in life, where a few people petition again and again; this also keeps the
Fernet encryption of ID numbers and phones (the slow part per person) off the per-petition path.

The rows mimic what the intake services write (petitions.services): same statuses, reasons,
deadlines (deadlines.calendar), events and masking/encryption/hashing (petitions.identity).
Acceptances, and the cases they open or join, come from bench.demo_cases.
"""

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from accounts.models import Role, Unit, User
from bench import demo_cases
from bench.bulk_load import RowWriter, SuspendedConstraints
from bench.demo_cases import DAY, SHANGHAI, DemoCases
from cases.demo import text as demo_text
from cases.demo.county import BUREAU_CODE, GIVEN_NAME_CHARACTERS, SUBCATEGORIES, SURNAMES, TOWNSHIP_WEIGHTS
from cases.models import Case, CaseStatus, SupervisionOrder
from deadlines.calendar import count_due, horizon, work_calendar
from deadlines.models import Deadline, DeadlineKind, DeadlinePolicy, DeadlineStatus
from petitions.identity import ID_CHECK_CHARACTERS, ID_WEIGHTS, encrypt, lookup_hash, mask_id_number, mask_phone
from petitions.models import (
    GROUP_VISIT_MIN_HEADCOUNT,
    Action,
    Category,
    Channel,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionPetitioner,
    Purpose,
    RegistrationCounter,
    RouteMode,
    Status,
)

HISTORY_DAYS = 730
MAX_PEOPLE = 200_000
PETITIONS_PER_PERSON = 5
# Region codes (GB/T 2260 form) of the demo county and its neighbours, for ID numbers.
REGION_CODES = ("410526",) * 8 + ("410527", "410523", "410502", "411321")
BATCH_SIZE = 20_000  # rows per COPY or INSERT batch, per table
ADVISORY_LOCK_KEY = 7_264_013  # any constant: serialises concurrent seed runs on PostgreSQL
# Share of routed petitions the competent unit accepts in the system. The county rolled case
# handling out to its units between ROLLOUT_DAYS[0] and ROLLOUT_DAYS[1] days ago: before that only
# a pilot share was decided here (ACCEPT_SHARE; the rest of those routed petitions show no decision),
# since then most are (ACCEPT_SHARE_NOW), and the share in between rises with the day received.
# The cases in handling today, and so the deadlines the units owe (handling and appeal opinions;
# the petitioner's windows are not owed), come from the recent share: about 50,000 at 1,000,000
# petitions, what the reminder scan (bench/run_scan.py) is measured on. The long history keeps the
# pilot share, so the stored cases stay at about three times the pilot's number, not fourteen.
ACCEPT_SHARE = 0.06
ACCEPT_SHARE_NOW = 0.75
ROLLOUT_DAYS = (150, 90)
# A petition on the same matter as an accepted one is accepted too, mostly (it then joins the case,
# or is not accepted again after a concluded re-examination).
MATTER_ACCEPT_SHARE = 0.85
# After a concluded re-examination the petitioner often comes back on the same matter, whenever.
CONCLUDED_RETURN_SHARE = 0.5

CHANNEL_WEIGHTS = {Channel.LETTER: 24, Channel.VISIT: 30, Channel.ONLINE: 36, Channel.PHONE: 7, Channel.MAILBOX: 3}
PURPOSE_WEIGHTS = {Purpose.COMPLAINT: 62, Purpose.REQUEST: 22, Purpose.APPEAL: 6, Purpose.SUGGESTION: 6, Purpose.OTHER: 4}
CATEGORY_WEIGHTS = {
    "01": 9, "02": 1, "03": 3, "04": 3, "05": 10, "06": 5, "07": 14, "08": 16, "09": 12,
    "10": 5, "11": 5, "12": 3, "13": 7, "14": 3, "15": 3, "16": 1, "99": 2,
}  # fmt: skip

ACCEPTANCE = (Action.ACCEPT, None, None)  # a closing decision that bench.demo_cases carries out

CHANNEL_VERBS = {
    Channel.LETTER: "来信",
    Channel.VISIT: "来访",
    Channel.ONLINE: "通过网上信访平台",
    Channel.PHONE: "来电",
    Channel.MAILBOX: "通过县长信箱",
}

PETITION_COLUMNS = (
    "id", "reg_no", "channel", "received_at", "headcount", "is_group", "category_id", "purpose", "locality_id",
    "summary", "content", "skip_level", "to_province", "to_beijing", "joint_letter", "is_repeat", "repeat_of_id",
    "status", "intake_unit_id", "unit_id", "route_mode", "decision_due", "decided_at", "decision_reason",
    "query_code", "registered_by_id", "created_at",
)  # fmt: skip
PETITIONER_COLUMNS = (
    "id", "name", "id_number_encrypted", "id_number_hash", "id_number_masked", "phone_encrypted", "phone_hash",
    "phone_masked", "address", "township_id", "created_at",
)  # fmt: skip
LINK_COLUMNS = ("petition_id", "petitioner_id", "is_representative")
EVENT_COLUMNS = ("petition_id", "at", "actor_id", "action", "from_status", "to_status", "unit_id", "note")


def _urn(weights: dict) -> list:
    """A list where each key appears `weight` times: `urn[int(random() * len(urn))]` is a weighted pick."""
    return [key for key, weight in weights.items() for _ in range(weight)]


def accept_share(age_seconds: float) -> float:
    """The share of routed petitions accepted, for one received `age_seconds` before now (see ACCEPT_SHARE)."""
    start, end = ROLLOUT_DAYS[0] * DAY, ROLLOUT_DAYS[1] * DAY
    if age_seconds >= start:
        return ACCEPT_SHARE
    if age_seconds <= end:
        return ACCEPT_SHARE_NOW
    return ACCEPT_SHARE_NOW - (ACCEPT_SHARE_NOW - ACCEPT_SHARE) * (age_seconds - end) / (start - end)


def id_number(region: str, birth: date, serial: int) -> str:
    first_17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first_17 + ID_CHECK_CHARACTERS[sum(int(digit) * weight for digit, weight in zip(first_17, ID_WEIGHTS, strict=True)) % 11]


@dataclass
class LoadReport:
    requested: int = 0
    existing: int = 0
    added: int = 0
    bulk_mode: bool = False
    petitioners_created: int = 0
    petitioners_reused: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    by_status: Counter = field(default_factory=Counter)
    repeats: int = 0
    groups: int = 0
    numbers: dict[int, tuple[int, int]] = field(default_factory=dict)  # year -> (first, last) number added
    seconds: dict[str, float] = field(default_factory=dict)
    cases: demo_cases.CaseReport = field(default_factory=demo_cases.CaseReport)


class _Clock:
    def __init__(self, report: LoadReport, log: Callable[[str], None]) -> None:
        self.report, self.log, self.started = report, log, time.perf_counter()
        self.last = self.started

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.report.seconds[name] = now - self.last
        self.log(f"  {name}: {now - self.last:.1f} s")
        self.last = now


class _Ids:
    """Reserves primary keys for rows whose ids other rows must reference before they exist."""

    @staticmethod
    def reserve(model, count: int) -> int:
        """The first of `count` consecutive free ids of `model`'s table (the table is locked by the caller)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [table, table, count],
                )
                return cursor.fetchone()[0] - count + 1
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            return cursor.fetchone()[0] + 1


class DemoPetitions:
    """Generates the rows; `load()` is the entry point."""

    def __init__(self, *, units: dict[str, Unit], users: dict[str, User], now: datetime, seed: int, log: Callable[[str], None]) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.now_ts = now.timestamp()
        self.start_ts = self.now_ts - HISTORY_DAYS * DAY
        self.log = log
        self.units = units
        self.bureau_id = units[BUREAU_CODE].pk
        self.township_ids = {code: units[code].pk for code in TOWNSHIP_WEIGHTS}
        self.township_names = {units[code].pk: units[code].name for code in TOWNSHIP_WEIGHTS}
        self.township_urn = _urn({units[code].pk: weight for code, weight in TOWNSHIP_WEIGHTS.items()})
        self.channel_urn = _urn(CHANNEL_WEIGHTS)
        self.purpose_urn = _urn(PURPOSE_WEIGHTS)
        self.clerks: dict[int, list[int]] = {}
        self.deciders: dict[int, list[int]] = {}
        for user in users.values():
            if user.unit_id is None:
                continue
            if Role.CLERK in user.roles:
                self.clerks.setdefault(user.unit_id, []).append(user.pk)
            if Role.CLERK in user.roles or Role.HANDLER in user.roles:
                self.deciders.setdefault(user.unit_id, []).append(user.pk)
        for township_id in self.township_urn:
            if township_id not in self.clerks:
                raise LookupError("Every demo township needs a clerk; run the reference-data step first.")
        categories = {category.code: category.pk for category in Category.objects.all()}
        leaves: dict[str, list[tuple[int, str, int | None]]] = {}
        for parent_code, children in SUBCATEGORIES.items():
            leaves[parent_code] = [
                (categories[code], code, units[department].pk if department else None) for code, _name, department in children
            ]
        self.category_urn = [leaf for parent_code, weight in CATEGORY_WEIGHTS.items() for leaf in leaves[parent_code] * weight]
        self.villages = {
            township_id: self._villages(self.township_names[township_id], unit_code) for unit_code, township_id in self.township_ids.items()
        }
        self.summaries: dict[tuple[int, str], list[str]] = {}
        # Decision deadlines as the services count them: the step's policy on the stored holiday
        # calendar, read once for the whole history (and counted once per day).
        self.decision_policy = DeadlinePolicy.objects.get(kind=DeadlineKind.DECISION)
        self.petition_type_id = ContentType.objects.get_for_model(Petition).pk
        first_day = datetime.fromtimestamp(self.start_ts, SHANGHAI).date()
        today = now.astimezone(SHANGHAI).date()
        self.calendar = work_calendar(
            first=first_day - timedelta(days=1), last=horizon(policy=self.decision_policy, start=today + timedelta(days=30))
        )
        self.due_cache: dict[date, date] = {}

    # --- words ---------------------------------------------------------------------------

    def _villages(self, township_name: str, unit_code: str) -> list[str]:
        rng = random.Random(unit_code)
        urban = unit_code in {"chengguan", "dongcheng"}
        villages = rng.sample(demo_text.VILLAGE_STEMS, 8)
        if urban:
            return [f"{stem}社区" for stem in rng.sample(demo_text.COMMUNITY_STEMS, 8)] + [f"{stem}村" for stem in villages[:4]]
        return [f"{stem}村" for stem in villages]

    def _summary(self, township_id: int, code: str) -> str:
        choices = self.summaries.get((township_id, code))
        if choices is None:
            rng = self.rng
            township = self.township_names[township_id]
            choices = []
            for _ in range(24):
                template = rng.choice(demo_text.SUMMARIES[code])
                choices.append(
                    template.format(
                        village=f"{township}{rng.choice(self.villages[township_id])}",
                        township=township,
                        company=f"{rng.choice(('县', township, ''))}{rng.choice(demo_text.COMPANIES)}",
                        compound=rng.choice(demo_text.COMPOUNDS),
                        project=rng.choice(demo_text.PROJECTS),
                        road=rng.choice(demo_text.ROADS),
                        n=rng.randint(3, 60),
                        amount=rng.choice((1.2, 3.5, 6, 8.6, 12, 18, 26, 45, 80, 120, 260)),
                    )
                )
            self.summaries[(township_id, code)] = choices
        return choices[int(self.rng.random() * len(choices))]

    def _name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN_NAME_CHARACTERS)
        if rng.random() < 0.7:
            given += rng.choice(GIVEN_NAME_CHARACTERS)
        return rng.choice(SURNAMES) + given

    # --- time ----------------------------------------------------------------------------

    def _workday(self, day: date) -> bool:
        return self.calendar.is_workday(day)

    def _decision_due(self, moment: float) -> date:
        day = datetime.fromtimestamp(moment, SHANGHAI).date()
        due = self.due_cache.get(day)
        if due is None:
            due = self.due_cache[day] = count_due(policy=self.decision_policy, calendar=self.calendar, start=day).due_on
        return due

    def _office_hours(self, moment: float) -> float:
        """The same day during office hours (08:30-17:30); mostly moved to the next working day off a rest day."""
        rng = self.rng
        local_midnight = moment - (moment + 8 * 3600) % DAY
        day = datetime.fromtimestamp(local_midnight, SHANGHAI).date()
        if rng.random() < 0.9:
            for _ in range(10):
                if self._workday(day):
                    break
                day += timedelta(days=1)
                local_midnight += DAY
        return local_midnight + 30_600 + rng.random() * 32_400

    def _received_times(self, count: int) -> list[tuple[float, str]]:
        """`count` (received timestamp, channel) pairs over the history, more in recent months, oldest first."""
        rng, span, start, latest = self.rng, self.now_ts - self.start_ts, self.start_ts, self.now_ts - 60
        channel_urn, size = self.channel_urn, len(self.channel_urn)
        items = []
        for _ in range(count):
            channel = channel_urn[int(rng.random() * size)]
            moment = start + span * rng.random() ** 0.85
            if channel in (Channel.VISIT, Channel.PHONE, Channel.LETTER):
                in_office_hours = self._office_hours(moment)
                days_back = 0
                while in_office_hours > latest and days_back < 10:  # today's hours are not over, or today is a rest day
                    days_back += 1
                    in_office_hours = self._office_hours(moment - days_back * DAY)
                moment = in_office_hours
            items.append((min(moment, latest), channel))
        items.sort()
        return items

    # --- people --------------------------------------------------------------------------

    def people_load(self, *, target: int, writer: RowWriter, report: LoadReport) -> None:
        """Reuse every stored petitioner and create what is missing to reach `target` people."""
        existing = list(Petitioner.objects.values_list("pk", "name", "township_id", "id_number_hash"))
        report.petitioners_reused = len(existing)
        taken = {row[3] for row in existing if row[3]}
        missing = max(0, target - len(existing))
        first_id = _Ids.reserve(Petitioner, missing) if missing else 0
        rng = self.rng
        created_at = datetime.fromtimestamp(self.start_ts, SHANGHAI)
        earliest_birth, latest_birth = date(1945, 1, 1).toordinal(), date(2006, 12, 31).toordinal()
        people = [(pk, name, township_id) for pk, name, township_id, _hash in existing]
        for offset in range(missing):
            township_id = self.township_urn[int(rng.random() * len(self.township_urn))]
            name = self._name()
            number = ""
            if rng.random() < 0.96:
                while True:
                    birth = date.fromordinal(rng.randint(earliest_birth, latest_birth))
                    number = id_number(rng.choice(REGION_CODES), birth, rng.randint(1, 999))
                    number_hash = lookup_hash(number)
                    if number_hash not in taken:
                        taken.add(number_hash)
                        break
            phone = f"1{rng.choice('3578915')}{rng.randrange(10**9):09d}" if rng.random() < 0.9 else ""
            village = rng.choice(self.villages[township_id])
            address = (
                f"{self.township_names[township_id]}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
                if village.endswith("村")
                else f"{self.township_names[township_id]}{village}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室"
            )
            pk = first_id + offset
            writer.add(
                Petitioner._meta.db_table,
                (
                    pk,
                    name,
                    encrypt(number),
                    lookup_hash(number),
                    mask_id_number(number) if number else "",
                    encrypt(phone),
                    lookup_hash(phone),
                    mask_phone(phone) if phone else "",
                    address,
                    township_id,
                    created_at,
                ),
            )
            people.append((pk, name, township_id))
        report.petitioners_created = missing
        self.people_names = {pk: name for pk, name, _township in people}
        self.everyone = [pk for pk, _name, _township in people]
        by_township: dict[int, list[int]] = {}
        for pk, _name, township_id in people:
            if township_id in self.township_names:
                by_township.setdefault(township_id, []).append(pk)
        # People appear once or twice, except the few per township (the first 6 %) who keep coming back.
        self.by_township = {township_id: (pks, pks[: max(1, len(pks) * 6 // 100)]) for township_id, pks in by_township.items()}

    def _person(self, township_id: int) -> int:
        rng = self.rng
        pool = self.by_township.get(township_id)
        if pool is None or rng.random() < 0.1:
            return self.everyone[int(rng.random() * len(self.everyone))]
        everyone, frequent = pool
        chosen = frequent if rng.random() < 0.3 else everyone
        return chosen[int(rng.random() * len(chosen))]

    def _neighbours(self, township_id: int, first: int, count: int) -> list[int]:
        found = [first]
        for _ in range(count * 4):
            if len(found) == count:
                break
            person = self._person(township_id)
            if person not in found:
                found.append(person)
        return found

    # --- petitions -----------------------------------------------------------------------

    def petitions_load(
        self,
        *,
        count: int,
        first_id: int,
        taken_codes: set[str],
        counters: dict[int, int],
        writer: RowWriter,
        cases: DemoCases,
        report: LoadReport,
    ) -> None:
        rng, random_ = self.rng, self.rng.random
        items = self._received_times(count)
        purpose_urn, category_urn, township_urn = self.purpose_urn, self.category_urn, self.township_urn
        window = settings.REPEAT_WINDOW_DAYS * DAY
        last_by_person: dict[int, tuple] = {}
        openers: dict[int, tuple] = {}  # while no petition was refused "not again": petitions that opened a case
        first_numbers: dict[int, int] = {}
        petition_table, link_table, event_table = Petition._meta.db_table, PetitionPetitioner._meta.db_table, PetitionEvent._meta.db_table
        deadline_table = Deadline._meta.db_table
        fromtimestamp, now_ts = datetime.fromtimestamp, self.now_ts
        closing_states = (Purpose.SUGGESTION, Purpose.OTHER)
        progress_step = max(count // 10, 1)

        for index, (received_ts, channel) in enumerate(items):
            pk = first_id + index
            received_at = fromtimestamp(received_ts, SHANGHAI)
            year = received_at.year
            counters[year] += 1
            first_numbers.setdefault(year, counters[year])
            reg_no = f"XF-{year}-{counters[year]:06d}"
            locality_id = township_urn[int(random_() * len(township_urn))]
            person = self._person(locality_id)
            previous = last_by_person.get(person)
            returning = cases.returning(received_ts) if cases.lacks_refusal() else None
            if returning in openers:  # a small load: someone whose matter concluded comes back with it,
                # again and again until one of their petitions is refused "not again" (routing or the
                # clock can keep any single one from reaching the decision)
                previous = openers[returning]
                person, locality_id = previous[6][0], previous[3]
            joint_letter = False
            matter_case = cases.case_of(previous[0]) if previous is not None else None
            within_window = previous is not None and received_ts - previous[4] <= window
            returns = matter_case is not None and matter_case.status_at(received_ts) == CaseStatus.CONCLUDED
            if returns and cases.lacks_refusal():
                same_matter = True
            else:
                same_matter = (within_window and random_() < 0.25) or (returns and random_() < CONCLUDED_RETURN_SHARE)
            if same_matter:
                # The same matter again: a repeat for intake within the window, for acceptance whenever.
                repeat_of_id, previous_reg_no, category, locality_id, _ts, summary, people, headcount, purpose = previous
                is_repeat = within_window
                if not is_repeat:
                    repeat_of_id = None
                representatives = headcount >= GROUP_VISIT_MIN_HEADCOUNT
                report.repeats += is_repeat
            else:
                matter_case = None
                repeat_of_id, is_repeat = None, False
                category = category_urn[int(random_() * len(category_urn))]
                purpose = purpose_urn[int(random_() * len(purpose_urn))]
                summary = self._summary(locality_id, category[1])
                headcount, representatives, people = 1, False, [person]
                if channel == Channel.VISIT and random_() < 0.07:
                    headcount = GROUP_VISIT_MIN_HEADCOUNT + int(75 * random_() ** 3)
                    people, representatives = self._neighbours(locality_id, person, rng.randint(1, 5)), True
                elif channel == Channel.LETTER and random_() < 0.05:
                    people = self._neighbours(locality_id, person, rng.randint(2, 4))
                    headcount, joint_letter = len(people), True
            category_id, category_code, department_id = category
            last_by_person[person] = (pk, reg_no, category, locality_id, received_ts, summary, people, headcount, purpose)
            is_group = headcount >= GROUP_VISIT_MIN_HEADCOUNT
            report.groups += is_group
            name = self.people_names[person]
            who = f"{name}等{headcount}人" if headcount > 1 else name
            content = (
                f"信访人{who}{'再次' if is_repeat else ''}{CHANNEL_VERBS[channel]}，{summary}。{demo_text.REQUESTS[int(random_() * 6)]}"
            )
            flag_odds = 3 if is_repeat else 1
            skip_level = channel == Channel.VISIT and random_() < 0.04 * flag_odds
            to_province = random_() < 0.006 * flag_odds
            to_beijing = random_() < 0.0015 * flag_odds

            # Where it was registered, by whom, and how far it has gone since (never past now).
            draw = random_()
            if channel in (Channel.ONLINE, Channel.MAILBOX) or department_id is None:
                # Online items arrive at the county; a township would keep a matter no department
                # handles rather than route it, and keeping it means accepting (next issue).
                intake_id = self.bureau_id
            elif channel == Channel.VISIT:
                intake_id = self.bureau_id if draw < 0.55 else locality_id if draw < 0.9 else department_id
            else:
                intake_id = self.bureau_id if draw < 0.75 else locality_id
            clerks = self.clerks[intake_id]
            registered_by = clerks[int(random_() * len(clerks))]
            delay = 300 + random_() * 2100 if channel in (Channel.VISIT, Channel.PHONE) else 1800 + random_() * 86_400
            registered_ts = received_ts + delay if received_ts + delay < now_ts else received_ts + (now_ts - received_ts) * random_()
            registered_at = fromtimestamp(registered_ts, SHANGHAI)
            last_ts = registered_ts
            decision_due, decision_start_ts = self._decision_due(received_ts), received_ts
            status, unit_id, route_mode, decided_at, reason = Status.REGISTERED, None, "", None, ""
            note = f"系{previous[1]}的重复件。" if is_repeat else ""
            writer.add(event_table, (pk, registered_at, registered_by, Action.REGISTER, "", Status.REGISTERED, None, note))

            draw = random_()
            closing = None
            if purpose in closing_states and draw < 0.7:
                closing = (Action.FILE, Status.FILED, demo_text.FILED_REASONS)
            elif draw < 0.04:
                closing = (Action.NOT_ACCEPT, Status.NOT_ACCEPTED, demo_text.NOT_ACCEPTED_REASONS)
            elif draw < 0.08:
                closing = (Action.DIVERT, Status.DIVERTED, demo_text.DIVERTED_REASONS)
            elif draw >= 0.09:  # 1 % stay unrouted: the overdue backlog a clerk's start page shows
                routed_ts = max(registered_ts + 600, self._office_hours(registered_ts + random_() * 5 * DAY))
                if routed_ts < now_ts:
                    if intake_id == locality_id:  # only matters a department handles are registered at a township
                        unit_id = department_id
                    elif intake_id == department_id:
                        unit_id = locality_id
                    else:
                        unit_id = department_id if department_id is not None and random_() < 0.55 else locality_id
                    route_mode = RouteMode.ASSIGN if intake_id == self.bureau_id and random_() < 0.25 else RouteMode.TRANSFER
                    status = Status.ROUTED
                    decision_due, decision_start_ts = self._decision_due(routed_ts), routed_ts
                    writer.add(
                        event_table,
                        (
                            pk,
                            fromtimestamp(routed_ts, SHANGHAI),
                            clerks[int(random_() * len(clerks))],
                            Action.ROUTE,
                            Status.REGISTERED,
                            Status.ROUTED,
                            unit_id,
                            demo_text.ROUTE_NOTES[route_mode],
                        ),
                    )
                    draw = random_()
                    if matter_case is not None and (random_() < MATTER_ACCEPT_SHARE or cases.lacks_refusal()):
                        closing = ACCEPTANCE
                    elif draw < 0.10:
                        closing = (Action.NOT_ACCEPT, Status.NOT_ACCEPTED, demo_text.NOT_ACCEPTED_REASONS)
                    elif draw < 0.19:
                        closing = (Action.DIVERT, Status.DIVERTED, demo_text.DIVERTED_REASONS)
                    elif draw < 0.21:
                        closing = (Action.FILE, Status.FILED, demo_text.FILED_REASONS)
                    elif draw < 0.21 + accept_share(now_ts - received_ts):
                        closing = ACCEPTANCE
                    last_ts = routed_ts
            if closing is not None:
                decided_ts = max(last_ts + 600, self._office_hours(last_ts + random_() * (12 if status == Status.ROUTED else 3) * DAY))
                deciders = self.deciders[unit_id] if unit_id else clerks
                decider = deciders[int(random_() * len(deciders))]
                if closing is ACCEPTANCE and decided_ts < now_ts:
                    # The unit's acceptance: the case services decide between a new case, joining
                    # the open one, and not again; a matter decided on just now waits its turn.
                    decision = cases.decide(
                        petition_id=pk,
                        reg_no=reg_no,
                        decided_ts=decided_ts,
                        category_id=category_id,
                        department_id=department_id,
                        locality_id=locality_id,
                        unit_id=unit_id,
                        people=people,
                        actor=decider,
                        is_group=headcount >= GROUP_VISIT_MIN_HEADCOUNT,
                    )
                    if decision is not None:
                        decided_ts, action, closed_status, reason = decision
                        decided_at = fromtimestamp(decided_ts, SHANGHAI)
                        writer.add(event_table, (pk, decided_at, decider, action, status, closed_status, unit_id, reason))
                        status = closed_status
                        if action == Action.ACCEPT and cases.lacks_refusal():
                            openers[pk] = last_by_person[person]
                elif decided_ts < now_ts:
                    action, closed_status, reasons = closing
                    reason = reasons[int(random_() * len(reasons))]
                    decided_at = fromtimestamp(decided_ts, SHANGHAI)
                    writer.add(event_table, (pk, decided_at, decider, action, status, closed_status, None, reason))
                    status = closed_status
            report.by_status[status] += 1

            while True:
                query_code = f"{rng.getrandbits(32):08X}"
                if query_code not in taken_codes:
                    taken_codes.add(query_code)
                    break
            writer.add(
                petition_table,
                (
                    pk,
                    reg_no,
                    channel,
                    received_at,
                    headcount,
                    is_group,
                    category_id,
                    purpose,
                    locality_id,
                    summary,
                    content,
                    skip_level,
                    to_province,
                    to_beijing,
                    joint_letter,
                    is_repeat,
                    repeat_of_id,
                    status,
                    intake_id,
                    unit_id,
                    route_mode,
                    decision_due,
                    decided_at,
                    reason,
                    query_code,
                    registered_by,
                    registered_at,
                ),
            )
            # The decision clock (deadlines.Deadline), as petition_register, petition_route and the decision leave it.
            decided_on = decided_at.date() if decided_at is not None else None
            if decided_on is None:
                clock_status = DeadlineStatus.OPEN
            else:
                clock_status = DeadlineStatus.MET if decided_on <= decision_due else DeadlineStatus.OVERDUE
            decision_start = datetime.fromtimestamp(decision_start_ts, SHANGHAI).date()
            clock = (pk, DeadlineKind.DECISION, decision_start, decision_due, 0, 0, clock_status, decided_on, self.petition_type_id)
            writer.add(deadline_table, clock)
            for position, petitioner_id in enumerate(people):
                writer.add(link_table, (pk, petitioner_id, representatives and position < 5))
            if (index + 1) % progress_step == 0:
                self.log(f"    {index + 1:,} / {count:,} petitions generated")
        report.numbers = {year: (first, counters[year]) for year, first in sorted(first_numbers.items())}


LOADED_MODELS = (Petitioner, Petition, PetitionPetitioner, PetitionEvent)


def _check_columns() -> None:
    """The column lists above must name real columns: a model change shows up here, not as bad data."""
    for model, columns in (
        (Petition, PETITION_COLUMNS),
        (Petitioner, PETITIONER_COLUMNS),
        (PetitionPetitioner, LINK_COLUMNS),
        (PetitionEvent, EVENT_COLUMNS),
    ):
        known = {model_field.column for model_field in model._meta.concrete_fields}
        unknown = set(columns) - known
        if unknown:
            raise RuntimeError(f"{model.__name__} has no column(s) {sorted(unknown)}; update bench/demo_petitions.py.")


def load(
    *, requested: int, units: dict[str, Unit], users: dict[str, User], log: Callable[[str], None], now: datetime | None = None
) -> LoadReport:
    """Bring the database up to `requested` petitions (adds the missing ones, in one transaction)."""
    _check_columns()
    demo_cases.check_columns()
    report = LoadReport(requested=requested)
    clock = _Clock(report, log)
    is_postgresql = connection.vendor == "postgresql"
    tables = [model._meta.db_table for model in (*LOADED_MODELS, *demo_cases.MODELS)]
    with transaction.atomic(), connection.cursor() as cursor:
        if is_postgresql:
            # Run the checks earlier work in this transaction deferred (ALTER TABLE refuses to run
            # with checks pending), then defer them again: the tables are loaded in batches, in any order.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        report.existing = Petition.objects.count()
        count = requested - report.existing
        if count <= 0:
            log(f"  {report.existing:,} petitions already stored (≥ {requested:,}); nothing to add.")
            return report
        report.added = count
        report.bulk_mode = is_postgresql and count >= report.existing
        if is_postgresql:
            # Registrations wait for the load to finish rather than interleave with it.
            mode = "ACCESS EXCLUSIVE" if report.bulk_mode else "SHARE ROW EXCLUSIVE"
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN {mode} MODE")
        now = now or datetime.now(SHANGHAI)
        generator = DemoPetitions(units=units, users=users, now=now, seed=report.existing + requested, log=log)
        first_year = datetime.fromtimestamp(generator.start_ts, SHANGHAI).year
        years = list(range(first_year, now.astimezone(SHANGHAI).year + 1))
        RegistrationCounter.objects.bulk_create([RegistrationCounter(year=year) for year in years], ignore_conflicts=True)
        counters = dict(RegistrationCounter.objects.select_for_update().filter(year__in=years).values_list("year", "last_number"))
        suspended = SuspendedConstraints(cursor, tables) if report.bulk_mode else None
        if suspended:
            suspended.drop()
        clock.lap("prepare (locks, counters" + (", drop indexes and constraints)" if suspended else ")"))

        # Everything read before the COPY thread starts writing on the same connection.
        first_petition_id = _Ids.reserve(Petition, count)
        taken_codes = set(Petition.objects.values_list("query_code", flat=True)) if report.existing else set()
        cases = DemoCases(
            units=units, users=users, now=now, rng=generator.rng, office_hours=generator._office_hours, history_start_ts=generator.start_ts
        )
        cases.preload()
        cases.next_case_id = _Ids.reserve(Case, count)  # at most one case per petition; the sequence is set back after
        writer = RowWriter(connection, batch_size=BATCH_SIZE)
        writer.table(Petitioner._meta.db_table, PETITIONER_COLUMNS)
        writer.table(Petition._meta.db_table, PETITION_COLUMNS)
        writer.table(PetitionPetitioner._meta.db_table, LINK_COLUMNS)
        writer.table(PetitionEvent._meta.db_table, EVENT_COLUMNS)
        for model, columns in demo_cases.TABLES.items():
            writer.table(model._meta.db_table, columns)
        cases.writer = writer
        try:
            target_people = min(MAX_PEOPLE, max(50, requested // PETITIONS_PER_PERSON))
            generator.people_load(target=target_people, writer=writer, report=report)
            clock.lap(f"petitioners ({report.petitioners_created:,} new, {report.petitioners_reused:,} reused)")
            generator.petitions_load(
                count=count,
                first_id=first_petition_id,
                taken_codes=taken_codes,
                counters=counters,
                writer=writer,
                cases=cases,
                report=report,
            )
        finally:
            report.rows = writer.close()
        orders = cases.supervision_write(connection)
        report.rows[Deadline._meta.db_table] = report.rows.get(Deadline._meta.db_table, 0) + orders
        report.rows[SupervisionOrder._meta.db_table] = orders
        report.cases = cases.report
        clock.lap("petitions, links, events and cases generated and copied")
        if is_postgresql:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM "
                + connection.ops.quote_name(Case._meta.db_table),
                [Case._meta.db_table],
            )

        for year, last_number in counters.items():
            RegistrationCounter.objects.filter(year=year).update(last_number=last_number)
        if suspended:
            suspended.restore()
            clock.lap("indexes and constraints rebuilt")
        if is_postgresql:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
            clock.lap("analyze")
    return report


def vacuum(log: Callable[[str], None]) -> None:
    """PostgreSQL: set the visibility map after a bulk load so counts can use index-only scans."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (*LOADED_MODELS, *demo_cases.MODELS):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    log(f"  vacuum: {time.perf_counter() - started:.1f} s")

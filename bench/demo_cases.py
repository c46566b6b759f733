"""Cases for the demo petitions: each accepted petition opens a case, joins the open one, or is
refused as "not accepted again", and each case has the timeline the case services would have
written up to now.

Decisions follow cases.services.case_open_or_join: the matter is (category, locality, a petitioner
in common) over every petition linked to a case; a petition joins the newest unfinished case on
its matter, is not accepted again if a case on it concluded, and otherwise opens a new case. To
see the matter as it stood, decisions on one matter are taken in time order (a decision waits
for the last one on its matter; if that would be after now, the petition stays undecided).

A new case gets its whole future drawn at once (assignment, plan, progress, extension, reply,
evaluation, close or review and re-examination), with the rows each service writes: events with
their from/to statuses, plans, replies, appeals, and deadlines counted by deadlines.calendar on
one calendar for the whole load. Only what happened before now is written. Closed and concluded
are final here (a review is asked before closing), so a matter has at most one case that can
still take a repeat petition.

Small loads still show every stage: while a stage (see LABELS) has no case yet, a new case that
can stand at it is steered there, by choosing the branches that lead to it (review, extension)
or by holding it at the stage when it left it less than HOLD_DAYS ago. Large loads meet every
stage in their first cases and are not steered after that.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Role, Unit, User
from bench.bulk_load import RowWriter
from cases.demo import text as demo_text
from cases.demo.county import LEADERSHIP_CODE
from cases.models import (
    FINISHED_STATUSES,
    Appeal,
    AppealLevel,
    Case,
    CaseAction,
    CaseEvent,
    CasePetition,
    CaseStatus,
    Evaluation,
    Extension,
    ExtensionStatus,
    Hearing,
    LeaderMeeting,
    MeetingKind,
    Outcome,
    Plan,
    PlanStatus,
    ProgressNote,
    Rating,
    Reply,
    ReplyStatus,
    SupervisionOrder,
    SupervisionStatus,
)
from deadlines.calendar import count_due, horizon, work_calendar
from deadlines.models import PETITIONER_WINDOWS, Deadline, DeadlineKind, DeadlinePolicy, DeadlineStatus
from petitions.models import Action, Petition, Status

# Asia/Shanghai has had no daylight saving since 1991: a fixed offset is exact and fast.
SHANGHAI = dt_timezone(timedelta(hours=8))
DAY = 86_400
HOLD_DAYS = 25
POLICE_CODE = "gongan"  # the stability unit (维稳) of group and sensitive cases

S = CaseStatus
# The stages a demo must show: every case status, and a case in progress with an extension
# requested and one with an extension approved. Tried furthest first when steering.
EXTENSION_REQUESTED = "in_progress+extension_requested"
EXTENSION_APPROVED = "in_progress+extension_approved"
LABELS = (
    S.CONCLUDED,
    S.REEXAMINATION_REQUESTED,
    S.REVIEW_DECIDED,
    S.REVIEW_REQUESTED,
    S.CLOSED,
    S.EVALUATED,
    S.REPLIED,
    S.REPLY_APPROVED,
    S.REPLY_DRAFTED,
    EXTENSION_APPROVED,
    EXTENSION_REQUESTED,
    S.IN_PROGRESS,
    S.PLAN_SUBMITTED,
    S.ASSIGNED,
    S.ACCEPTED,
)
# Ages (days since acceptance) at which a case can stand at a stage when steered: a cheap test
# before drawing its timeline. The upper bounds keep steered cases from being overdue for long.
# Stages are tried in the order of their upper bound, so young cases go to the stages only young
# cases can show.
STEERING_AGES = {
    S.CONCLUDED: (100, 10_000),
    S.REEXAMINATION_REQUESTED: (80, 240),
    S.REVIEW_DECIDED: (60, 10_000),
    S.REVIEW_REQUESTED: (40, 170),
    S.CLOSED: (10, 10_000),
    S.EVALUATED: (8, 10_000),
    S.REPLIED: (6, 10_000),
    S.REPLY_APPROVED: (5, 110),
    S.REPLY_DRAFTED: (4, 110),
    EXTENSION_APPROVED: (8, 110),
    EXTENSION_REQUESTED: (6, 100),
    S.IN_PROGRESS: (3, 100),
    S.PLAN_SUBMITTED: (1, 60),
    S.ASSIGNED: (0.5, 50),
    S.ACCEPTED: (0, 30),
}
STEERING_ORDER = sorted(LABELS, key=lambda label: STEERING_AGES[label][1])
# Branches a stage needs when steering: (review, re-examination, extension outcome).
STEERING_BRANCHES = {
    S.CONCLUDED: (True, True, None),
    S.REEXAMINATION_REQUESTED: (True, True, None),
    S.REVIEW_DECIDED: (True, False, None),
    S.REVIEW_REQUESTED: (True, None, None),
    S.CLOSED: (False, None, None),
    S.EVALUATED: (False, None, None),
    EXTENSION_APPROVED: (None, None, ExtensionStatus.APPROVED),
    EXTENSION_REQUESTED: (None, None, ExtensionStatus.REQUESTED),
}

CASE_COLUMNS = (
    "id", "status", "category_id", "locality_id", "accepting_unit_id", "accepted_at", "accepted_on", "accepted_by_id",
    "lead_official_id", "lead_unit_id", "stability_unit_id", "handling_due", "handling_met_on", "first_petition_id",
)  # fmt: skip
CASE_PETITION_COLUMNS = ("case_id", "petition_id", "is_first", "linked_at")
CASE_EVENT_COLUMNS = ("case_id", "at", "actor_id", "action", "from_status", "to_status", "note")
PLAN_COLUMNS = ("case_id", "version", "content", "status", "reason", "submitted_by_id", "submitted_at", "decided_by_id", "decided_at")
# A case clock: its subject is the case (the subject type, the same for every row, comes last).
DEADLINE_COLUMNS = ("subject_id", "kind", "start_on", "due_on", "paused_days", "extension_days", "status", "met_on", "subject_type_id")
SUPERVISION_COLUMNS = (
    "case_id", "unit_id", "instruction", "due_on", "deadline_id", "status", "issued_by_id", "issued_at", "response",
    "responded_by_id", "responded_at",
)  # fmt: skip
EXTENSION_COLUMNS = ("case_id", "days", "reason", "status", "requested_by_id", "requested_at", "decided_by_id", "decided_at")
HEARING_COLUMNS = ("case_id", "held_on", "end_on", "venue", "participants", "outcome", "recorded_by_id")
PROGRESS_COLUMNS = ("case_id", "note", "author_id", "created_at")
MEETING_COLUMNS = ("case_id", "kind", "held_on", "leader_id", "note", "recorded_by_id")
REPLY_COLUMNS = (
    "case_id", "outcome", "content", "legal_basis", "returned_reason", "status", "drafted_by_id", "approved_by_id", "approved_at",
    "served_on",
)  # fmt: skip
EVALUATION_COLUMNS = ("case_id", "rating", "comment", "recorded_by_id", "recorded_at")
APPEAL_COLUMNS = (
    "case_id", "level", "requested_on", "reason", "outcome", "content", "served_on", "recorded_by_id", "decided_by_id",
)  # fmt: skip
SUPPORTING_COLUMNS = ("case_id", "unit_id")
MEMBER_COLUMNS = ("case_id", "user_id")

SUPPORTING_THROUGH = Case.supporting_units.through
MEMBER_THROUGH = Case.members.through
TABLES = {
    Case: CASE_COLUMNS,
    CasePetition: CASE_PETITION_COLUMNS,
    CaseEvent: CASE_EVENT_COLUMNS,
    Plan: PLAN_COLUMNS,
    Deadline: DEADLINE_COLUMNS,
    Extension: EXTENSION_COLUMNS,
    Hearing: HEARING_COLUMNS,
    ProgressNote: PROGRESS_COLUMNS,
    LeaderMeeting: MEETING_COLUMNS,
    Reply: REPLY_COLUMNS,
    Evaluation: EVALUATION_COLUMNS,
    Appeal: APPEAL_COLUMNS,
    SUPPORTING_THROUGH: SUPPORTING_COLUMNS,
    MEMBER_THROUGH: MEMBER_COLUMNS,
}
MODELS = tuple(TABLES)

# Supervision orders (督办): a case whose handling runs past its due date before the reply is served
# gets one from the county office in SUPERVISION_LATE_SHARE of cases, a few days after; any other
# case in SUPERVISION_SHARE (group visits in SUPERVISION_GROUP_SHARE), during handling. The ordered
# unit answers by the date in most cases, late in SUPERVISION_LATE_ANSWER_SHARE.
SUPERVISION_LATE_SHARE = 0.6
SUPERVISION_SHARE = 0.02
SUPERVISION_GROUP_SHARE = 0.2
SUPERVISION_LATE_ANSWER_SHARE = 0.15

RATING_WEIGHTS = ((Rating.SATISFIED, 0.68), (Rating.BASICALLY_SATISFIED, 0.2), (Rating.DISSATISFIED, 0.12))
REVIEW_ODDS = {Rating.DISSATISFIED: 0.55, Rating.BASICALLY_SATISFIED: 0.1, Rating.SATISFIED: 0.02, None: 0.14}


def check_columns() -> None:
    """The column lists above must name real columns: a model change shows up here, not as bad data."""
    for model, columns in (*TABLES.items(), (SupervisionOrder, SUPERVISION_COLUMNS)):
        known = {model_field.column for model_field in model._meta.concrete_fields}
        unknown = set(columns) - known
        if unknown:
            raise RuntimeError(f"{model.__name__} has no column(s) {sorted(unknown)}; update bench/demo_cases.py.")


class _CaseRecord:
    """What later decisions need to know about a case: when it moved to which status."""

    __slots__ = ("pk", "accepted_ts", "changes")

    def __init__(self, pk: int, accepted_ts: float, changes: list[tuple[float, str]]) -> None:
        self.pk, self.accepted_ts, self.changes = pk, accepted_ts, changes

    def status_at(self, moment: float) -> str | None:
        status = None
        for changed_ts, to_status in self.changes:
            if changed_ts > moment:
                break
            status = to_status
        return status


@dataclass
class _Step:
    ts: float
    action: str
    result: str | None  # the status it moves to; None for actions recorded without moving the case
    actor: int
    note: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class CaseReport:
    by_label: Counter = field(default_factory=Counter)
    decisions: Counter = field(default_factory=Counter)  # petition action -> count
    steered: int = 0
    deadlines_open: int = 0
    deadlines_owed: int = 0  # open and a unit's to meet: not the petitioner's own windows
    supervision_orders: int = 0
    supervision_open: int = 0


class DemoCases:
    """Generates case rows into a RowWriter, called by the petition generator for each acceptance."""

    def __init__(
        self,
        *,
        units: dict[str, Unit],
        users: dict[str, User],
        now: datetime,
        rng,
        office_hours: Callable[[float], float],
        history_start_ts: float,
    ) -> None:
        self.rng = rng
        self.now_ts = now.timestamp()
        self.today = now.astimezone(SHANGHAI).date()
        self.office_hours = office_hours
        self.writer: RowWriter | None = None
        self.next_case_id = 0
        self.report = CaseReport()
        self.missing = {*LABELS, Status.NOT_ACCEPTED_AGAIN}
        self.leaders: dict[int, list[int]] = {}
        self.handlers: dict[int, list[int]] = {}
        self.supervisors: list[int] = []
        self.names: dict[int, str] = {}
        self.county_leaders: list[int] = []
        leadership_id = units[LEADERSHIP_CODE].pk
        for user in users.values():
            self.names[user.pk] = str(user)
            if Role.SUPERVISOR in user.roles:
                self.supervisors.append(user.pk)
            if user.unit_id is None:
                continue
            if Role.LEADER in user.roles:
                self.leaders.setdefault(user.unit_id, []).append(user.pk)
                if user.unit_id == leadership_id:
                    self.county_leaders.append(user.pk)
            if Role.HANDLER in user.roles:
                self.handlers.setdefault(user.unit_id, []).append(user.pk)
        self.police_unit_id = units[POLICE_CODE].pk if POLICE_CODE in units else None
        self.unit_names = {unit.pk: unit.name for unit in units.values()}
        # Orders drawn so far, written after the bulk rows (their deadline's id must exist first).
        self.supervision_orders: list[list] = []
        self.policies = {policy.kind: policy for policy in DeadlinePolicy.objects.all()}
        self.case_type_id = ContentType.objects.get_for_model(Case).pk
        cap = self.policies[DeadlineKind.EXTENSION].days
        first_day = datetime.fromtimestamp(history_start_ts, SHANGHAI).date()
        self.calendar = work_calendar(
            first=first_day - timedelta(days=1),
            last=horizon(policy=self.policies[DeadlineKind.HANDLING], start=self.today + timedelta(days=1), extension_days=cap),
        )
        self.due_cache: dict[tuple, date] = {}
        # Notes the services write with gettext, in the language the demo is shown in.
        with translation.override(settings.LANGUAGE_CODE):
            self.outcome_labels = {value: str(label) for value, label in Outcome.choices}
            self.rating_labels = {value: str(label) for value, label in Rating.choices}
            self.meeting_labels = {value: str(label) for value, label in MeetingKind.choices}
            self.extension_note = gettext("%(days)d days; handling now due %(due)s.")
            self.extension_request_note = gettext("%(days)d days: %(reason)s")
            self.hearing_note = gettext("%(start)s to %(end)s, %(venue)s")
            self.not_again_note = gettext("The same matter was concluded after re-examination (三级终结); it is not accepted again.")
            self.supervision_note = gettext("%(unit)s, respond by %(due)s: %(instruction)s")
        # (category, locality, petitioner) -> [time of the last decision on it, cases linked through it]
        self.matters: dict[tuple[int, int, int], list] = {}
        self.case_by_petition: dict[int, _CaseRecord] = {}
        self.concluded_openers: list[tuple[float, int]] = []

    # --- existing cases (a top-up) ---------------------------------------------------------

    def preload(self) -> None:
        """Learn the stored cases' matters and status histories, so new petitions join them as the services would."""
        records: dict[int, _CaseRecord] = {}
        events = CaseEvent.objects.filter(Q(action=CaseAction.ACCEPT) | ~Q(from_status=F("to_status")))
        for case_id, at, to_status in events.order_by("case_id", "at", "id").values_list("case_id", "at", "to_status"):
            record = records.get(case_id)
            if record is None:
                record = records[case_id] = _CaseRecord(case_id, at.timestamp(), [])
            record.changes.append((at.timestamp(), to_status))
        links = CasePetition.objects.values_list(
            "case_id",
            "petition_id",
            "linked_at",
            "petition__category_id",
            "petition__locality_id",
            "petition__petitionpetitioner__petitioner_id",
        )
        for case_id, petition_id, linked_at, category_id, locality_id, petitioner_id in links:
            record = records.get(case_id)
            if record is None or petitioner_id is None:
                continue
            self.case_by_petition[petition_id] = record
            self._link((category_id, locality_id, petitioner_id), record, linked_at.timestamp())
        # Stages the stored cases show already need no steering.
        self.missing -= set(Case.objects.values_list("status", flat=True).distinct())
        in_progress = Extension.objects.filter(case__status=S.IN_PROGRESS)
        if in_progress.filter(status=ExtensionStatus.REQUESTED).exists():
            self.missing.discard(EXTENSION_REQUESTED)
        if in_progress.filter(status=ExtensionStatus.APPROVED).exists():
            self.missing.discard(EXTENSION_APPROVED)
        if Petition.objects.filter(status=Status.NOT_ACCEPTED_AGAIN).exists():
            self.missing.discard(Status.NOT_ACCEPTED_AGAIN)

    # --- what the petition generator asks ------------------------------------------------

    def case_of(self, petition_id: int) -> _CaseRecord | None:
        """The case on the petition's matter: the one it joined or opened, or the concluded one that refused it."""
        return self.case_by_petition.get(petition_id)

    def returning(self, moment: float) -> int | None:
        """The first petition of a case concluded before `moment`, kept only while no refusal exists."""
        return next((petition_id for concluded_ts, petition_id in self.concluded_openers if concluded_ts < moment), None)

    def lacks_refusal(self) -> bool:
        """No petition has been refused as "not accepted again" yet (a small load steers one there)."""
        return Status.NOT_ACCEPTED_AGAIN in self.missing

    def decide(
        self,
        *,
        petition_id: int,
        reg_no: str,
        decided_ts: float,
        category_id: int,
        department_id: int | None,
        locality_id: int,
        unit_id: int,
        people: list[int],
        actor: int,
        is_group: bool,
    ) -> tuple[float, str, str, str] | None:
        """Accept the petition: (when, petition action, petition status, reason), or None when its
        matter was decided on too recently for the decision to fall before now."""
        keys = [(category_id, locality_id, person) for person in people]
        known = [self.matters[key] for key in keys if key in self.matters]
        moment = max([decided_ts, *(entry[0] + 600 + self.rng.random() * 3600 for entry in known)])
        if moment >= self.now_ts:
            return None
        candidates = {record.pk: record for entry in known for record in entry[1]}
        ordered = sorted(candidates.values(), key=lambda record: (record.accepted_ts, record.pk), reverse=True)
        statuses = [(record, record.status_at(moment)) for record in ordered]
        open_case = next(((record, status) for record, status in statuses if status not in FINISHED_STATUSES), None)
        writer = self.writer
        if open_case is not None:
            record, status = open_case
            at = datetime.fromtimestamp(moment, SHANGHAI)
            writer.add(CasePetition._meta.db_table, (record.pk, petition_id, False, at))
            writer.add(CaseEvent._meta.db_table, (record.pk, at, actor, CaseAction.ATTACH_PETITION, status, status, reg_no))
            for key in keys:
                self._link(key, record, moment)
            self.case_by_petition[petition_id] = record
            self.report.decisions[Action.ATTACH] += 1
            return moment, Action.ATTACH, Status.ATTACHED, ""
        concluded = next((record for record, status in statuses if status == S.CONCLUDED), None)
        if concluded is not None:
            self.case_by_petition[petition_id] = concluded  # the petitioner may well come back once more
            self.missing.discard(Status.NOT_ACCEPTED_AGAIN)
            self.concluded_openers.clear()
            self.report.decisions[Action.NOT_ACCEPT_AGAIN] += 1
            return moment, Action.NOT_ACCEPT_AGAIN, Status.NOT_ACCEPTED_AGAIN, self.not_again_note
        record = self._case_new(
            petition_id=petition_id,
            reg_no=reg_no,
            accepted_ts=moment,
            category_id=category_id,
            department_id=department_id,
            locality_id=locality_id,
            unit_id=unit_id,
            actor=actor,
            is_group=is_group,
        )
        for key in keys:
            self._link(key, record, moment)
        self.case_by_petition[petition_id] = record
        self.report.decisions[Action.ACCEPT] += 1
        notes = demo_text.ACCEPT_NOTES
        return moment, Action.ACCEPT, Status.ACCEPTED, notes[int(self.rng.random() * len(notes))]

    def _link(self, key: tuple[int, int, int], record: _CaseRecord, moment: float) -> None:
        entry = self.matters.get(key)
        if entry is None:
            self.matters[key] = [moment, [record]]
            return
        entry[0] = max(entry[0], moment)
        if record not in entry[1]:
            entry[1].append(record)

    # --- one new case --------------------------------------------------------------------

    def _case_new(
        self,
        *,
        petition_id: int,
        reg_no: str,
        accepted_ts: float,
        category_id: int,
        department_id: int | None,
        locality_id: int,
        unit_id: int,
        actor: int,
        is_group: bool,
    ) -> _CaseRecord:
        pk = self.next_case_id
        self.next_case_id += 1
        team = self._team(unit_id=unit_id, department_id=department_id, locality_id=locality_id, is_group=is_group)
        steps, label = self._steered(accepted_ts, team, actor, reg_no)
        if label is None:
            steps = self._timeline(accepted_ts, team, actor, reg_no, review=None, reexamination=None, extension=None)
            steps = [step for step in steps if step.ts <= self.now_ts]
            label = self._label(steps)
        self.missing.discard(label)
        self.report.by_label[label] += 1
        changes = [(step.ts, step.result) for step in steps if step.result is not None]
        if label == S.CONCLUDED and self.lacks_refusal():
            self.concluded_openers.append((changes[-1][0], petition_id))
        self._write(pk, steps, team, petition_id=petition_id, category_id=category_id, locality_id=locality_id, unit_id=unit_id)
        return _CaseRecord(pk, accepted_ts, changes)

    def _steered(self, accepted_ts: float, team: dict, actor: int, reg_no: str) -> tuple[list[_Step], str | None]:
        """Steps that leave the case at a stage no case shows yet, if this case can stand there."""
        if not self.missing:
            return [], None
        age = (self.now_ts - accepted_ts) / DAY
        for label in STEERING_ORDER:
            low, high = STEERING_AGES[label]
            if label not in self.missing or not low <= age <= high:
                continue
            review, reexamination, extension = STEERING_BRANCHES.get(label, (None, None, None))
            steps = self._timeline(accepted_ts, team, actor, reg_no, review=review, reexamination=reexamination, extension=extension)
            kept = self._held(steps, label)
            if kept is not None and self._label(kept) == label:
                self.report.steered += 1
                return kept, label
        return [], None

    def _held(self, steps: list[_Step], label: str) -> list[_Step] | None:
        """The steps up to now, stopped at `label`'s status if the case left it less than HOLD_DAYS ago."""
        status = label.split("+")[0]
        moving = [step for step in steps if step.result is not None]
        entry = next((index for index, step in enumerate(moving) if step.result == status), None)
        if entry is None or moving[entry].ts > self.now_ts:
            return None
        limit = self.now_ts
        if entry + 1 < len(moving):
            exit_ts = moving[entry + 1].ts
            if exit_ts <= self.now_ts - HOLD_DAYS * DAY:
                return None
            limit = min(limit, exit_ts - 1)
        return [step for step in steps if step.ts <= limit]

    def _label(self, steps: list[_Step]) -> str:
        status = next(step.result for step in reversed(steps) if step.result is not None)
        if status == S.IN_PROGRESS:
            extension = None
            for step in steps:
                if step.action == CaseAction.EXTENSION_REQUEST:
                    extension = ExtensionStatus.REQUESTED
                elif step.action == CaseAction.EXTENSION_APPROVE:
                    extension = ExtensionStatus.APPROVED
                elif step.action == CaseAction.EXTENSION_REJECT:
                    extension = ExtensionStatus.REJECTED
            if extension == ExtensionStatus.REQUESTED:
                return EXTENSION_REQUESTED
            if extension == ExtensionStatus.APPROVED:
                return EXTENSION_APPROVED
        return status

    def _team(self, *, unit_id: int, department_id: int | None, locality_id: int, is_group: bool) -> dict:
        """One leader of the accepting unit, the unit as lead unit, a supporting and a stability unit
        where the matter needs them, and handlers of those units as members."""
        rng = self.rng
        leaders = self.leaders[unit_id]
        supporting = []
        if unit_id == locality_id and department_id is not None and rng.random() < 0.6:
            supporting.append(department_id)
        elif unit_id != locality_id and rng.random() < 0.5:
            supporting.append(locality_id)
        stability = None
        if (is_group or rng.random() < 0.05) and self.police_unit_id not in (None, unit_id):
            stability = self.police_unit_id
        own = self.handlers[unit_id]
        members = rng.sample(own, min(len(own), 1 + int(rng.random() < 0.4)))
        if supporting and rng.random() < 0.5:
            members.append(rng.choice(self.handlers[supporting[0]]))
        return {
            "lead_official": leaders[int(rng.random() * len(leaders))],
            "lead_unit": unit_id,
            "supporting": supporting,
            "stability": stability,
            "members": members,
        }

    # --- the timeline ------------------------------------------------------------------------

    def _after(self, moment: float, low_days: float, high_days: float) -> float:
        """Some working time `low_days`–`high_days` after `moment`, never before it."""
        rng = self.rng
        return max(moment + 600 + rng.random() * 1800, self.office_hours(moment + (low_days + rng.random() * (high_days - low_days)) * DAY))

    def _day(self, moment: float) -> date:
        return datetime.fromtimestamp(moment, SHANGHAI).date()

    def due(self, kind: str, start: date, pauses: int = 0, extension_days: int = 0) -> date:
        key = (kind, start, pauses, extension_days)
        due = self.due_cache.get(key)
        if due is None:
            due = self.due_cache[key] = count_due(
                policy=self.policies[kind], calendar=self.calendar, start=start, pauses=pauses, extension_days=extension_days
            ).due_on
        return due

    def _timeline(
        self, accepted_ts: float, team: dict, acceptor: int, reg_no: str, *, review: bool | None, reexamination: bool | None, extension
    ) -> list[_Step]:
        """Every step the case will take, in time order, some of them after now. The branch arguments
        force a branch (True/False, or an extension outcome); None draws it."""
        rng, after, pick = self.rng, self._after, self._pick
        lead = team["lead_official"]
        members = team["members"]

        def member() -> int:
            return members[int(rng.random() * len(members))]

        steps = [_Step(accepted_ts, CaseAction.ACCEPT, S.ACCEPTED, acceptor, reg_no)]
        assigner = lead if rng.random() < 0.85 or not self.supervisors else pick(self.supervisors)
        moment = after(accepted_ts, 0.2, 4)
        steps.append(_Step(moment, CaseAction.ASSIGN, S.ASSIGNED, assigner, self.names[lead]))
        moment = after(moment, 1, 7)
        steps.append(_Step(moment, CaseAction.PLAN_SUBMIT, S.PLAN_SUBMITTED, member(), data={"content": pick(demo_text.PLANS)}))
        if rng.random() < 0.12:
            moment = after(moment, 0.5, 3)
            steps.append(_Step(moment, CaseAction.PLAN_REJECT, S.ASSIGNED, lead, pick(demo_text.PLAN_REJECT_REASONS)))
            moment = after(moment, 1, 5)
            steps.append(_Step(moment, CaseAction.PLAN_SUBMIT, S.PLAN_SUBMITTED, member(), data={"content": pick(demo_text.PLANS)}))
        moment = after(moment, 0.3, 3)
        steps.append(_Step(moment, CaseAction.PLAN_APPROVE, S.IN_PROGRESS, lead))
        approved_ts = moment

        # Handling: most replies are served well within the period, some late; an extension (once)
        # is asked when the period will not do.
        limit = self.policies[DeadlineKind.HANDLING].days
        if extension is None:
            draw = rng.random()
            extension = ExtensionStatus.APPROVED if draw < 0.07 else ExtensionStatus.REJECTED if draw < 0.09 else ""
        days = 10 + int(rng.random() * (self.policies[DeadlineKind.EXTENSION].days - 9)) if extension else 0
        if extension == ExtensionStatus.APPROVED:
            share = 0.8 + rng.random() * 0.17
            target_days = (limit + days) * share
        elif rng.random() < (0.5 if extension == ExtensionStatus.REJECTED else 0.1):
            target_days = limit * (1.03 + rng.random() * 0.3)
        else:
            target_days = limit * (0.45 + 0.55 * rng.random() ** 0.8)
        draft_ts = max(approved_ts + 2 * DAY, self.office_hours(accepted_ts + (target_days - 3 - rng.random() * 3) * DAY))
        span = draft_ts - approved_ts
        for _ in range(1 + int(rng.random() * 3)):
            steps.append(_Step(approved_ts + span * rng.random(), CaseAction.PROGRESS, None, member(), pick(demo_text.PROGRESS_NOTES)))
        if rng.random() < 0.08:
            held_ts = approved_ts + span * rng.random()
            leader = lead if rng.random() < 0.7 or not self.county_leaders else pick(self.county_leaders)
            kind = MeetingKind.TALK if rng.random() < 0.6 else MeetingKind.RECEPTION
            held_on = self._day(held_ts)
            note = f"{self.meeting_labels[kind]} {held_on} {self.names[leader]}"
            data = {"kind": kind, "held_on": held_on, "leader": leader, "note": pick(demo_text.LEADER_MEETING_NOTES)}
            steps.append(_Step(held_ts, CaseAction.LEADER_MEETING, None, member(), note, data))
        if extension:
            requested_ts = approved_ts + span * (0.3 + rng.random() * 0.4)
            reason = pick(demo_text.EXTENSION_REASONS)
            data = {"days": days, "reason": reason}
            steps.append(_Step(requested_ts, CaseAction.EXTENSION_REQUEST, None, member(), self.extension_request_note % data, data))
            if extension != ExtensionStatus.REQUESTED:
                decided_ts = min(after(requested_ts, 0.5, 3), draft_ts - 600)
                action = CaseAction.EXTENSION_APPROVE if extension == ExtensionStatus.APPROVED else CaseAction.EXTENSION_REJECT
                steps.append(_Step(decided_ts, action, None, lead, data={"days": days}))
        steps.append(_Step(draft_ts, CaseAction.REPLY_DRAFT, S.REPLY_DRAFTED, member(), data=self._reply()))
        steps[-1].note = self.outcome_labels[steps[-1].data["outcome"]]
        moment = after(draft_ts, 0.3, 2)
        steps.append(_Step(moment, CaseAction.REPLY_APPROVE, S.REPLY_APPROVED, lead))
        moment = after(moment, 0.3, 2)
        served_on = self._day(moment)
        steps.append(_Step(moment, CaseAction.REPLY_SERVE, S.REPLIED, member(), str(served_on), {"served_on": served_on}))
        served_ts = last_ts = moment
        handling_due = self.due(
            DeadlineKind.HANDLING, self._day(accepted_ts), extension_days=days if extension == ExtensionStatus.APPROVED else 0
        )
        steps += self._supervision(team, approved_ts=approved_ts, served_ts=served_ts, handling_due=handling_due)

        rating = None
        if rng.random() < 0.75:
            rating = self._rating()
            last_ts = after(served_ts, 1, 12)
            comments = demo_text.EVALUATION_COMMENTS[rating]
            steps.append(
                _Step(
                    last_ts,
                    CaseAction.EVALUATION,
                    S.EVALUATED,
                    member(),
                    self.rating_labels[rating],
                    {"rating": rating, "comment": pick(comments)},
                )
            )
        if review is None:
            review = rng.random() < REVIEW_ODDS[rating]
        window_due = self.due(DeadlineKind.REVIEW_REQUEST, served_on)
        requested_ts = self._within(last_ts, window_due) if review else None
        if requested_ts is None:
            if rng.random() < 0.88:
                steps.append(_Step(after(last_ts, 2, 25), CaseAction.CLOSE, S.CLOSED, lead))
            return sorted(steps, key=lambda step: step.ts)

        supervisor = pick(self.supervisors)
        requested_on = self._day(requested_ts)
        reason = pick(demo_text.REVIEW_REASONS)
        steps.append(_Step(requested_ts, CaseAction.REVIEW_REQUEST, S.REVIEW_REQUESTED, member(), reason, {"requested_on": requested_on}))
        moment = after(requested_ts, 8, 33)
        outcome = Outcome.EXPLAIN if rng.random() < 0.6 else Outcome.NOT_SUPPORT if rng.random() < 0.8 else Outcome.SUPPORT
        served_on = self._day(moment)
        data = {"outcome": outcome, "content": pick(demo_text.OPINIONS[outcome]), "served_on": served_on}
        steps.append(_Step(moment, CaseAction.REVIEW_DECIDE, S.REVIEW_DECIDED, supervisor, self.outcome_labels[outcome], data))
        if reexamination is None:
            reexamination = outcome != Outcome.SUPPORT and rng.random() < 0.4
        requested_ts = self._within(moment, self.due(DeadlineKind.REEXAMINATION_REQUEST, served_on)) if reexamination else None
        if requested_ts is None:
            return sorted(steps, key=lambda step: step.ts)
        reason = pick(demo_text.REEXAMINATION_REASONS)
        steps.append(
            _Step(
                requested_ts,
                CaseAction.REEXAMINATION_REQUEST,
                S.REEXAMINATION_REQUESTED,
                member(),
                reason,
                {"requested_on": self._day(requested_ts)},
            )
        )
        moment = requested_ts
        paused = 0
        if rng.random() < 0.3:
            held_on = self._day(after(requested_ts, 2, 10))
            end_on = held_on + timedelta(days=int(rng.random() < 0.3))
            paused = (end_on - held_on).days + 1
            venue = pick(demo_text.HEARING_VENUES)
            end_midnight = datetime(end_on.year, end_on.month, end_on.day, tzinfo=SHANGHAI).timestamp()
            moment = max(requested_ts + 600, end_midnight + 61_200 + rng.random() * 3600)  # recorded that evening
            data = {"held_on": held_on, "end_on": end_on, "venue": venue, "outcome": pick(demo_text.HEARING_OUTCOMES)}
            note = self.hearing_note % {"start": held_on, "end": end_on, "venue": venue}
            steps.append(_Step(moment, CaseAction.HEARING, None, member(), note, data))
        moment = after(moment, 8 + paused, 31 + paused)
        outcome = Outcome.EXPLAIN if rng.random() < 0.6 else Outcome.NOT_SUPPORT if rng.random() < 0.85 else Outcome.SUPPORT
        data = {"outcome": outcome, "content": pick(demo_text.OPINIONS[outcome]), "served_on": self._day(moment)}
        steps.append(_Step(moment, CaseAction.REEXAMINATION_DECIDE, S.CONCLUDED, supervisor, self.outcome_labels[outcome], data))
        return sorted(steps, key=lambda step: step.ts)

    def _supervision(self, team: dict, *, approved_ts: float, served_ts: float, handling_due: date) -> list[_Step]:
        """A supervision order during handling, if the case gets one, and the unit's answer (see SUPERVISION_SHARE)."""
        rng = self.rng
        due_end_ts = datetime(handling_due.year, handling_due.month, handling_due.day, 23, 59, tzinfo=SHANGHAI).timestamp()
        issued_ts = None
        if served_ts > due_end_ts and rng.random() < SUPERVISION_LATE_SHARE:
            issued_ts = self._after(due_end_ts, 1, 5)
        elif rng.random() < (SUPERVISION_GROUP_SHARE if team["stability"] else SUPERVISION_SHARE):
            issued_ts = self._after(approved_ts, 0, max(0.5, (served_ts - approved_ts) / DAY * 0.8))
        # A small load still shows an order waiting for its answer: the first case in handling now gets one.
        waiting = not self.report.supervision_open and approved_ts < self.now_ts - 5 * DAY and served_ts > self.now_ts + DAY
        if issued_ts is None and waiting:
            issued_ts = min(self._after(self.now_ts - 5 * DAY, 0, 3), self.now_ts - 3600)
        if issued_ts is None or issued_ts >= served_ts - 600:
            return []
        unit = team["lead_unit"]
        if team["supporting"] and rng.random() < 0.3:
            unit = team["supporting"][0]
        issued_on = self._day(issued_ts)
        order = {
            "unit": unit,
            "due_on": issued_on + timedelta(days=5 + int(rng.random() * 11)),
            "instruction": self._pick(demo_text.SUPERVISION_INSTRUCTIONS),
        }
        note = self.supervision_note % {"unit": self.unit_names[unit], "due": order["due_on"], "instruction": order["instruction"]}
        steps = [_Step(issued_ts, CaseAction.SUPERVISION_ISSUE, None, self._pick(self.supervisors), note, {"order": order})]
        span = (order["due_on"] - issued_on).days
        if rng.random() < SUPERVISION_LATE_ANSWER_SHARE:
            answered_ts = self._after(issued_ts, span + 1, span + 10)
        else:
            answered_ts = self._after(issued_ts, 0.5, max(1.0, span * 0.9))
        if waiting:
            answered_ts = max(answered_ts, self._after(self.now_ts, 1, 3))
        response = self._pick(demo_text.SUPERVISION_RESPONSES)
        responders = self.handlers.get(unit, []) + self.leaders.get(unit, [])
        steps.append(_Step(answered_ts, CaseAction.SUPERVISION_RESPOND, None, self._pick(responders), response, {"order": order}))
        return steps

    def _within(self, moment: float, window_due: date) -> float | None:
        """A working moment after `moment` on or before `window_due` (the last day of a petitioner's window), if any."""
        days_left = (window_due - self._day(moment)).days
        if days_left < 1:
            return None
        candidate = self._after(moment, 1, max(1.5, days_left - 1))
        return candidate if self._day(candidate) <= window_due else None

    def _pick(self, choices):
        return choices[int(self.rng.random() * len(choices))]

    def _rating(self) -> str:
        draw = self.rng.random()
        for rating, share in RATING_WEIGHTS:
            if draw < share:
                return rating
            draw -= share
        return RATING_WEIGHTS[-1][0]

    def _reply(self) -> dict:
        draw = self.rng.random()
        outcome = Outcome.SUPPORT if draw < 0.35 else Outcome.EXPLAIN if draw < 0.8 else Outcome.NOT_SUPPORT
        return {"outcome": outcome, "content": self._pick(demo_text.REPLIES[outcome]), "legal_basis": demo_text.GENERAL_LEGAL_BASIS}

    # --- rows ----------------------------------------------------------------------------------

    def _write(
        self, pk: int, steps: list[_Step], team: dict, *, petition_id: int, category_id: int, locality_id: int, unit_id: int
    ) -> None:
        """The rows the services would have written for `steps`, which are in time order and all past."""
        add, table = self.writer.add, _table
        accept = steps[0]
        accepted_at = datetime.fromtimestamp(accept.ts, SHANGHAI)
        accepted_on = accepted_at.date()
        status = S.ACCEPTED
        handling = [DeadlineKind.HANDLING, accepted_on, self.due(DeadlineKind.HANDLING, accepted_on), 0, 0, DeadlineStatus.OPEN, None]
        deadlines = {DeadlineKind.HANDLING: handling}
        plans: list[list] = []
        extension_row = reply = None
        appeals: dict[str, list] = {}
        orders: dict[int, list] = {}
        assigned = False
        add(table(CasePetition), (pk, petition_id, True, accepted_at))
        for step in steps:
            at = datetime.fromtimestamp(step.ts, SHANGHAI)
            from_status = status
            data = step.data
            note = step.note
            action = step.action
            if action == CaseAction.ASSIGN:
                assigned = True
            elif action == CaseAction.PLAN_SUBMIT:
                plans.append([len(plans) + 1, data["content"], PlanStatus.SUBMITTED, "", step.actor, at, None, None])
            elif action in (CaseAction.PLAN_APPROVE, CaseAction.PLAN_REJECT):
                plan = plans[-1]
                plan[2] = PlanStatus.APPROVED if action == CaseAction.PLAN_APPROVE else PlanStatus.REJECTED
                plan[3], plan[6], plan[7] = note, step.actor, at
            elif action == CaseAction.PROGRESS:
                add(table(ProgressNote), (pk, note, step.actor, at))
            elif action == CaseAction.LEADER_MEETING:
                add(table(LeaderMeeting), (pk, data["kind"], data["held_on"], data["leader"], data["note"], step.actor))
            elif action == CaseAction.HEARING:
                add(
                    table(Hearing),
                    (pk, data["held_on"], data["end_on"], data["venue"], demo_text.HEARING_PARTICIPANTS, data["outcome"], step.actor),
                )
                if status == S.REEXAMINATION_REQUESTED:
                    deadline = deadlines[DeadlineKind.REEXAMINATION_DECISION]
                    deadline[3] += (data["end_on"] - data["held_on"]).days + 1
                    deadline[2] = self.due(deadline[0], deadline[1], pauses=deadline[3])
            elif action == CaseAction.EXTENSION_REQUEST:
                extension_row = [pk, data["days"], data["reason"], ExtensionStatus.REQUESTED, step.actor, at, None, None]
            elif action in (CaseAction.EXTENSION_APPROVE, CaseAction.EXTENSION_REJECT):
                approved = action == CaseAction.EXTENSION_APPROVE
                extension_row[3] = ExtensionStatus.APPROVED if approved else ExtensionStatus.REJECTED
                extension_row[6], extension_row[7] = step.actor, at
                if approved:
                    handling[4] = data["days"]
                    handling[2] = self.due(DeadlineKind.HANDLING, accepted_on, extension_days=handling[4])
                    note = self.extension_note % {"days": handling[4], "due": handling[2]}
            elif action == CaseAction.REPLY_DRAFT:
                reply = [pk, data["outcome"], data["content"], data["legal_basis"], "", ReplyStatus.DRAFT, step.actor, None, None, None]
            elif action == CaseAction.REPLY_APPROVE:
                reply[5], reply[7], reply[8] = ReplyStatus.APPROVED, step.actor, at
            elif action == CaseAction.REPLY_SERVE:
                reply[5], reply[9] = ReplyStatus.SERVED, data["served_on"]
                self._meet(handling, data["served_on"])
                self._open(deadlines, DeadlineKind.REVIEW_REQUEST, data["served_on"])
            elif action == CaseAction.EVALUATION:
                add(table(Evaluation), (pk, data["rating"], data["comment"], step.actor, at))
            elif action == CaseAction.SUPERVISION_ISSUE:
                order = data["order"]
                deadline = [DeadlineKind.SUPERVISION, at.date(), order["due_on"], 0, 0, DeadlineStatus.OPEN, None]
                status_row = [SupervisionStatus.OPEN, step.actor, at, "", None, None]
                orders[id(order)] = [pk, order["unit"], order["instruction"], order["due_on"], deadline, *status_row]
            elif action == CaseAction.SUPERVISION_RESPOND:
                row = orders[id(data["order"])]
                row[5], row[8], row[9], row[10] = SupervisionStatus.ANSWERED, note, step.actor, at
                self._meet(row[4], at.date())
            elif action in (CaseAction.REVIEW_REQUEST, CaseAction.REEXAMINATION_REQUEST):
                review = action == CaseAction.REVIEW_REQUEST
                window = DeadlineKind.REVIEW_REQUEST if review else DeadlineKind.REEXAMINATION_REQUEST
                self._meet(deadlines[window], data["requested_on"])
                self._open(deadlines, DeadlineKind.REVIEW_DECISION if review else DeadlineKind.REEXAMINATION_DECISION, data["requested_on"])
                level = AppealLevel.REVIEW if review else AppealLevel.REEXAMINATION
                appeals[level] = [pk, level, data["requested_on"], note, "", "", None, step.actor, None]
            elif action in (CaseAction.REVIEW_DECIDE, CaseAction.REEXAMINATION_DECIDE):
                review = action == CaseAction.REVIEW_DECIDE
                appeal = appeals[AppealLevel.REVIEW if review else AppealLevel.REEXAMINATION]
                appeal[4], appeal[5], appeal[6], appeal[8] = data["outcome"], data["content"], data["served_on"], step.actor
                self._meet(deadlines[DeadlineKind.REVIEW_DECISION if review else DeadlineKind.REEXAMINATION_DECISION], data["served_on"])
                if review:
                    self._open(deadlines, DeadlineKind.REEXAMINATION_REQUEST, data["served_on"])
            if step.result is not None:
                status = step.result
            add(table(CaseEvent), (pk, at, step.actor, action, from_status, status, note))

        add(
            table(Case),
            (
                pk,
                status,
                category_id,
                locality_id,
                unit_id,
                accepted_at,
                accepted_on,
                accept.actor,
                team["lead_official"] if assigned else None,
                team["lead_unit"] if assigned else None,
                team["stability"] if assigned else None,
                handling[2],
                reply[9] if reply else None,
                petition_id,
            ),
        )
        if assigned:
            for unit in team["supporting"]:
                add(table(SUPPORTING_THROUGH), (pk, unit))
            for user in team["members"]:
                add(table(MEMBER_THROUGH), (pk, user))
        for version, content, plan_status, reason, submitted_by, submitted_at, decided_by, decided_at in plans:
            add(table(Plan), (pk, version, content, plan_status, reason, submitted_by, submitted_at, decided_by, decided_at))
        for kind, start_on, due_on, paused, extension_days, deadline_status, met_on in deadlines.values():
            add(table(Deadline), (pk, kind, start_on, due_on, paused, extension_days, deadline_status, met_on, self.case_type_id))
            self.report.deadlines_open += deadline_status == DeadlineStatus.OPEN
            self.report.deadlines_owed += deadline_status == DeadlineStatus.OPEN and kind not in PETITIONER_WINDOWS
        if extension_row:
            add(table(Extension), tuple(extension_row))
        if reply:
            add(table(Reply), tuple(reply))
        for appeal in appeals.values():
            add(table(Appeal), tuple(appeal))
        for row in orders.values():
            self.supervision_orders.append(row)
            self.report.supervision_orders += 1
            self.report.supervision_open += row[5] == SupervisionStatus.OPEN
            self.report.deadlines_open += row[4][5] == DeadlineStatus.OPEN
            self.report.deadlines_owed += row[4][5] == DeadlineStatus.OPEN

    def supervision_write(self, connection) -> int:
        """Write the supervision orders drawn during the load, each with its deadline (kind supervision),
        as supervision_issue and supervision_respond leave them. Call after the bulk rows are written:
        a deadline is inserted first for its id. Returns how many orders were written."""
        rows, self.supervision_orders = self.supervision_orders, []
        if not rows:
            return 0
        deadlines = Deadline.objects.bulk_create(
            [
                Deadline(
                    subject_type_id=self.case_type_id, subject_id=row[0], kind=kind, start_on=start_on, due_on=due_on,
                    paused_days=paused, extension_days=extension_days, status=status, met_on=met_on,
                )
                for row in rows
                for kind, start_on, due_on, paused, extension_days, status, met_on in [row[4]]
            ],
            batch_size=5000,
        )  # fmt: skip
        writer = RowWriter(connection)
        name = SupervisionOrder._meta.db_table
        writer.table(name, SUPERVISION_COLUMNS)
        try:
            for row, deadline in zip(rows, deadlines, strict=True):
                writer.add(name, (*row[:4], deadline.pk, *row[5:]))
        finally:
            written = writer.close()
        return written[name]

    def _open(self, deadlines: dict, kind: str, start: date) -> None:
        deadlines[kind] = [kind, start, self.due(kind, start), 0, 0, DeadlineStatus.OPEN, None]

    @staticmethod
    def _meet(deadline: list, on: date) -> None:
        deadline[6] = on
        deadline[5] = DeadlineStatus.MET if on <= deadline[2] else DeadlineStatus.OVERDUE


def _table(model) -> str:
    return model._meta.db_table

"""Reads about cases, scoped to the user (DESIGN §9); pages and API share them."""

from collections.abc import Iterable
from datetime import date, timedelta

import django_filters
from django import forms
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Role, User
from accounts.selectors import unit_list, visible_unit_ids
from cases.models import (
    FINISHED_STATUSES,
    HANDLING_STATUSES,
    Aftercare,
    Appeal,
    AppealLevel,
    Case,
    CaseEvent,
    CasePetition,
    CaseStatus,
    CompletionReport,
    ExtensionStatus,
    Hearing,
    LeaderMeeting,
    Plan,
    ProgressNote,
    SupervisionOrder,
)
from deadlines.models import Deadline
from petitions.models import Petition, RouteMode


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases the user may see: the county for supervisors and administrators; a clerk their units'
    accepted cases; a handler or leader also the cases their units are on the team of, the cases
    they are a member of, and (a leader) the cases they lead."""
    units = visible_unit_ids(user)
    cases = Case.objects.all()
    if units is None:
        return cases
    condition = Q(accepting_unit_id__in=units)
    if user.has_role(Role.HANDLER, Role.LEADER):
        supporting = Case.supporting_units.through.objects.filter(unit_id__in=units).values("case_id")
        membership = Case.members.through.objects.filter(user_id=user.pk).values("case_id")
        condition |= Q(lead_unit_id__in=units) | Q(stability_unit_id__in=units) | Q(pk__in=supporting) | Q(pk__in=membership)
        condition |= Q(lead_official_id=user.pk)
    return cases.filter(condition)


def _overdue_condition(today: date) -> Q:
    """Handling not served by its due date: still running past it, or served late."""
    return Q(status__in=HANDLING_STATUSES, handling_due__lt=today) | Q(handling_met_on__gt=F("handling_due"))


class CaseOrdering(django_filters.OrderingFilter):
    descending_fmt = _("%s (descending)")

    def filter(self, qs, value):
        """End on the key, so pages neither repeat nor skip cases that share a date."""
        qs = super().filter(qs, value)
        if value and qs.query.order_by:
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs


class IdFilter(django_filters.Filter):
    """A choice by primary key, checked as a number: an unknown id simply matches nothing. Unlike
    ModelChoiceFilter it costs no look-up query (the list page is held to ten queries), and the
    page fills the select's options itself."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.Select)
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=CaseStatus.choices)
    lead_official = IdFilter(label=_("lead official"), field_name="lead_official_id")
    unit = IdFilter(label=_("unit"), method="filter_unit")
    category = IdFilter(label=_("category"), method="filter_category")
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="filter_overdue")
    due_before = django_filters.DateFilter(label=_("handling due before"), field_name="handling_due", lookup_expr="lte")
    due_within = django_filters.NumberFilter(
        label=_("due within (days)"), method="filter_due_within", min_value=0, max_value=3650, decimal_places=0
    )
    mine = django_filters.BooleanFilter(label=_("my cases"), method="filter_mine")
    ordering = CaseOrdering(
        fields=(("handling_due", "handling_due"), ("accepted_at", "accepted_at")),
        field_labels={"handling_due": _("handling due"), "accepted_at": _("accepted at")},
    )

    class Meta:
        model = Case
        fields = ["status", "lead_official", "unit", "category"]

    @extend_schema_field(OpenApiTypes.INT)  # a unit id; the schema cannot see it through the method
    def filter_unit(self, queryset, name, value):
        """The accepting unit or any unit of the team."""
        supporting = Case.supporting_units.through.objects.filter(unit=value).values("case_id")
        return queryset.filter(Q(accepting_unit=value) | Q(lead_unit=value) | Q(stability_unit=value) | Q(pk__in=supporting))

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = _overdue_condition(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_due_within(self, queryset, name, value):
        """Handling due within `value` days from today, or already past due."""
        return queryset.filter(handling_due__lte=timezone.localdate() + timedelta(days=int(value)))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        membership = Case.members.through.objects.filter(user_id=user.pk).values("case_id")
        return queryset.filter(Q(lead_official_id=user.pk) | Q(pk__in=membership))


def matter_cases(petition: Petition) -> QuerySet[Case]:
    """Cases on the same matter as a petition: a petitioner in common, the same category and locality;
    newest first. Unscoped: acceptance decides with it whether a matter is open or concluded."""
    petitioner_ids = petition.petitionpetitioner_set.values("petitioner_id")
    return (
        Case.objects.filter(
            category_id=petition.category_id,
            locality_id=petition.locality_id,
            petition_links__petition__petitionpetitioner__petitioner_id__in=petitioner_ids,
        )
        .distinct()
        .order_by("-accepted_at", "-id")
    )


def concluded_case_of_matter(petition: Petition, pk: int | None) -> Case | None:
    """A concluded case on the petition's matter by its id, as a handler cites it; None for any other id."""
    if pk is None:
        return None
    return matter_cases(petition).filter(pk=pk, status=CaseStatus.CONCLUDED).select_related("first_petition").first()


def concluded_reexamination(case: Case) -> Appeal | None:
    """The served re-examination opinion that concluded a case (三级终结)."""
    appeals = case.appeals.filter(level=AppealLevel.REEXAMINATION, served_on__isnull=False).select_related("decided_by__unit")
    return appeals.order_by("-served_on", "-id").first()


def case_list(*, user: User, filters: dict | None = None, request=None) -> QuerySet[Case]:
    """The list: scoped, filtered, newest first; one query for the page however many rows (the team's
    many-to-many fields are for the case page, prefetch them there)."""
    cases = cases_visible_to(user).select_related(
        "first_petition", "category", "category__parent", "locality", "accepting_unit", "lead_official", "lead_unit"
    )
    case_filter = CaseFilter(filters or {}, queryset=cases, request=request or _UserRequest(user))
    if not case_filter.is_valid():
        return cases.none()
    return case_filter.qs


class _UserRequest:
    """What CaseFilter reads from a request, for callers that have only the user."""

    def __init__(self, user: User):
        self.user = user


def case_get(*, user: User, pk: int) -> Case:
    """The case with everything its page shows, if the user may see it, else 404. A fixed number of
    queries however many petitions, plans, notes, hearings or meetings it has."""
    cases = (
        cases_visible_to(user)
        .select_related(
            "first_petition",
            "category",
            "category__parent",
            "lead_official",
            "accepted_by",
            "extension__requested_by",
            "extension__decided_by",
            "reply__drafted_by",
            "reply__approved_by",
            "evaluation__recorded_by",
        )
        .prefetch_related(
            "supporting_units",
            Prefetch("members", queryset=User.objects.select_related("unit")),
            Prefetch("petition_links", queryset=CasePetition.objects.select_related("petition")),
            Prefetch("plans", queryset=Plan.objects.select_related("submitted_by", "decided_by").order_by("version")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("start_on", "id")),
            Prefetch("appeals", queryset=Appeal.objects.select_related("recorded_by", "decided_by").order_by("requested_on", "id")),
            Prefetch("hearings", queryset=Hearing.objects.select_related("recorded_by")),
            Prefetch("progress_notes", queryset=ProgressNote.objects.select_related("author")),
            Prefetch("leader_meetings", queryset=LeaderMeeting.objects.select_related("leader")),
            Prefetch(
                "supervision_orders",
                queryset=SupervisionOrder.objects.select_related("unit", "issued_by", "responded_by", "deadline").order_by(
                    "issued_at", "id"
                ),
            ),
        )
    )
    case = get_object_or_404(cases, pk=pk)
    # The case's four units come from one read of the (small) unit table: joined to the case they
    # made the join so wide that PostgreSQL took longer to plan it than to run it.
    units = unit_list().in_bulk()
    for field in ("locality", "accepting_unit", "lead_unit", "stability_unit"):
        unit_id = getattr(case, f"{field}_id")
        setattr(case, field, units[unit_id] if unit_id else None)
    return case


def case_visible(*, user: User, pk: int) -> Case:
    """The bare case row if the user may see it, else 404: for reads that need none of the page's prefetches."""
    return get_object_or_404(cases_visible_to(user), pk=pk)


def supervision_order_of(case: Case, pk: int) -> SupervisionOrder:
    """One supervision order of a case the caller may see, else 404 (an order of another case is not
    reachable through this one). Read from the case's orders, so on the case page's prefetched case
    it costs nothing, and its `case` is the caller's: the service checks the move against the state
    the caller saw."""
    order = next((order for order in case.supervision_orders.all() if order.pk == pk), None)
    if order is None:
        raise Http404
    return order


def assignments_unreported(case_ids: Iterable[int]) -> QuerySet[Petition]:
    """The cases' assigned (交办) petitions whose completion report is still owed to the unit that assigned them."""
    case_ids = list(case_ids)
    return (
        Petition.objects.filter(case_link__case_id__in=case_ids, route_mode=RouteMode.ASSIGN, routed_by_unit__isnull=False)
        .exclude(pk__in=CompletionReport.objects.filter(case_id__in=case_ids).values("petition_id"))
        .order_by("received_at", "id")
    )


def completion_reports_of(case: Case) -> list[CompletionReport]:
    return list(case.completion_reports.select_related("to_unit", "petition", "submitted_by"))


def aftercare_of(case: Case) -> list[Aftercare]:
    return list(case.aftercare.select_related("recorded_by"))


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def approval_inbox(*, user: User) -> QuerySet[Case]:
    """What awaits this leader's decision: as lead official, plans submitted and replies drafted; as a
    head of the lead unit, extensions requested (cases.permissions.can_decide_extension)."""
    awaiting = Q(lead_official_id=user.pk, status__in=[CaseStatus.PLAN_SUBMITTED, CaseStatus.REPLY_DRAFTED])
    if user.unit_id is not None and user.has_role(Role.LEADER):
        awaiting |= Q(lead_unit_id=user.unit_id, status=CaseStatus.IN_PROGRESS, extension__status=ExtensionStatus.REQUESTED)
    return (
        Case.objects.filter(awaiting)
        .select_related("first_petition")
        .select_related("category", "locality", "accepting_unit", "lead_unit", "extension")
        .order_by("handling_due", "id")
    )


def cases_by_deadline(*, user: User) -> QuerySet[Case]:
    """A handler's start page: the unfinished cases they may work on, nearest handling deadline first."""
    return (
        cases_visible_to(user)
        .select_related("first_petition")
        .exclude(status__in=FINISHED_STATUSES)
        .select_related("category", "locality", "accepting_unit", "lead_official", "lead_unit")
        .order_by("handling_due", "id")
    )


def cases_of_petitions(petitions: list[Petition]) -> dict[int, Case]:
    """The case of each petition that has one, by petition id, in one query (for the counter's view of
    earlier petitions: a matter being handled, or concluded)."""
    links = CasePetition.objects.filter(petition__in=[petition.pk for petition in petitions]).select_related("case__first_petition")
    return {link.petition_id: link.case for link in links}


def case_of_petition_visible_to(user: User, petition_id: int) -> Case | None:
    """The petition's case, for a link from the petition's page: only if the user may open it."""
    return cases_visible_to(user).filter(petition_links__petition_id=petition_id).first()


def case_of_petition(petition_id: int) -> Case | None:
    """The case a petition belongs to, if any (for the petition's page and API)."""
    link = CasePetition.objects.filter(petition_id=petition_id).select_related("case").first()
    return link.case if link else None

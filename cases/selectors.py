"""Reads about cases, scoped to the user (DESIGN §9); pages and API share them."""

from datetime import date

import django_filters
from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Unit, User
from accounts.selectors import visible_unit_ids
from cases.models import FINISHED_STATUSES, HANDLING_STATUSES, Case, CaseEvent, CasePetition, CaseStatus, Deadline, ExtensionStatus, Plan
from petitions.models import Category


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


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=CaseStatus.choices)
    lead_official = django_filters.ModelChoiceFilter(label=_("lead official"), queryset=User.objects.all())
    unit = django_filters.ModelChoiceFilter(label=_("unit"), queryset=Unit.objects.all(), method="filter_unit")
    category = django_filters.ModelChoiceFilter(label=_("category"), queryset=Category.objects.all(), method="filter_category")
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="filter_overdue")
    due_before = django_filters.DateFilter(label=_("handling due before"), field_name="handling_due", lookup_expr="lte")
    mine = django_filters.BooleanFilter(label=_("my cases"), method="filter_mine")
    ordering = CaseOrdering(
        fields=(("handling_due", "handling_due"), ("accepted_at", "accepted_at")),
        field_labels={"handling_due": _("handling due"), "accepted_at": _("accepted at")},
    )

    class Meta:
        model = Case
        fields = ["status", "lead_official", "unit", "category"]

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

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        membership = Case.members.through.objects.filter(user_id=user.pk).values("case_id")
        return queryset.filter(Q(lead_official_id=user.pk) | Q(pk__in=membership))


def case_list(*, user: User, filters: dict | None = None, request=None) -> QuerySet[Case]:
    """The list: scoped, filtered, newest first; one query for the page however many rows (the team's
    many-to-many fields are for the case page, prefetch them there)."""
    cases = cases_visible_to(user).select_related(
        "category", "category__parent", "locality", "accepting_unit", "lead_official", "lead_unit"
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
    queries however many petitions, plans or events it has."""
    cases = (
        cases_visible_to(user)
        .select_related(
            "category", "category__parent", "locality", "accepting_unit", "lead_official", "lead_unit", "stability_unit", "accepted_by"
        )
        .prefetch_related(
            "supporting_units",
            "members",
            Prefetch("petition_links", queryset=CasePetition.objects.select_related("petition")),
            Prefetch("plans", queryset=Plan.objects.order_by("version")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("start_on", "id")),
        )
    )
    return get_object_or_404(cases, pk=pk)


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def approval_inbox(*, user: User) -> QuerySet[Case]:
    """What awaits this lead official: plans submitted, replies drafted, extensions requested."""
    return (
        Case.objects.filter(lead_official_id=user.pk)
        .filter(
            Q(status__in=[CaseStatus.PLAN_SUBMITTED, CaseStatus.REPLY_DRAFTED])
            | Q(status=CaseStatus.IN_PROGRESS, extension__status=ExtensionStatus.REQUESTED)
        )
        .select_related("category", "locality", "accepting_unit", "lead_unit")
        .order_by("handling_due", "id")
    )


def cases_by_deadline(*, user: User) -> QuerySet[Case]:
    """A handler's start page: the unfinished cases they may work on, nearest handling deadline first."""
    return (
        cases_visible_to(user)
        .exclude(status__in=FINISHED_STATUSES)
        .select_related("category", "locality", "accepting_unit", "lead_official", "lead_unit")
        .order_by("handling_due", "id")
    )


def case_of_petition(petition_id: int) -> Case | None:
    """The case a petition belongs to, if any (for the petition's page and API)."""
    link = CasePetition.objects.filter(petition_id=petition_id).select_related("case").first()
    return link.case if link else None

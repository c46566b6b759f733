"""Reads about petitions, scoped to the user; pages and API share them."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from accounts.selectors import visible_unit_ids
from deadlines.calendar import DueDate, due_date
from deadlines.models import DeadlineKind
from deadlines.selectors import deadlines_of
from petitions.identity import lookup_hash
from petitions.models import Attachment, Category, Channel, Petition, Petitioner, PetitionPetitioner, RoutingRule, Status

# Petitions still waiting for the decision, whose decision deadline runs.
OPEN_STATUSES = (Status.REGISTERED, Status.ROUTED)


def petitions_visible_to(user: User) -> QuerySet[Petition]:
    """Petitions the user may see: registered by or routed to one of their units."""
    units = visible_unit_ids(user)
    petitions = Petition.objects.all()
    if units is None:
        return petitions
    return petitions.filter(Q(intake_unit_id__in=units) | Q(unit_id__in=units))


class PetitionOrdering(django_filters.OrderingFilter):
    # django-filter has no zh_Hans catalogue; our own msgid gets our translation.
    descending_fmt = _("%s (descending)")


class PetitionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=Status.choices)
    channel = django_filters.ChoiceFilter(label=_("channel"), choices=Channel.choices)
    category = django_filters.ModelChoiceFilter(label=_("category"), queryset=Category.objects.all(), method="filter_category")
    locality = django_filters.ModelChoiceFilter(label=_("locality"), queryset=Unit.objects.filter(kind="township"))
    unit = django_filters.ModelChoiceFilter(label=_("routed to"), queryset=Unit.objects.all())
    received_from = django_filters.DateFilter(label=_("received from"), field_name="received_at", lookup_expr="date__gte")
    received_to = django_filters.DateFilter(label=_("received to"), field_name="received_at", lookup_expr="date__lte")
    is_repeat = django_filters.BooleanFilter(label=_("repeat petition"))
    is_group = django_filters.BooleanFilter(label=_("group visit"))
    search = django_filters.CharFilter(label=_("search"), method="filter_search")
    ordering = PetitionOrdering(
        fields=(("received_at", "received_at"), ("decision_due", "decision_due")),
        field_labels={"received_at": _("received at"), "decision_due": _("decision due")},
    )

    class Meta:
        model = Petition
        fields = ["status", "channel", "category", "locality", "unit", "is_repeat", "is_group"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        named = PetitionPetitioner.objects.filter(petitioner__name=value).values("petition")
        return queryset.filter(Q(reg_no=value.upper()) | Q(summary__icontains=value) | Q(pk__in=named))


def petition_list(*, user: User, filters: dict | None = None) -> QuerySet[Petition]:
    petitions = petitions_visible_to(user).select_related("category", "category__parent", "locality", "unit", "intake_unit")
    petition_filter = PetitionFilter(filters or {}, queryset=petitions)
    if not petition_filter.is_valid():
        return petitions.none()
    return petition_filter.qs


def petition_get(*, user: User, pk: int) -> Petition:
    """The petition if the user may see it, else 404."""
    petitions = petitions_visible_to(user).select_related(
        "category", "category__parent", "locality", "unit", "intake_unit", "registered_by", "repeat_of"
    )
    return get_object_or_404(petitions, pk=pk)


def petition_timeline(petition: Petition) -> QuerySet:
    return petition.events.select_related("actor", "unit").order_by("at", "id")


def petitioners_of(petition: Petition) -> QuerySet:
    return petition.petitionpetitioner_set.select_related("petitioner", "petitioner__township").order_by("-is_representative", "id")


@dataclass(frozen=True)
class PetitionerKey:
    """What identifies a person for repeat detection: ID hash, else name and phone hash."""

    name: str
    id_number_hash: str = ""
    phone_hash: str = ""


def petitioner_matches(keys: list[PetitionerKey]) -> QuerySet[Petitioner]:
    condition = Q(pk__in=[])
    for key in keys:
        if key.id_number_hash:
            condition |= Q(id_number_hash=key.id_number_hash)
        elif key.phone_hash:
            condition |= Q(name=key.name, phone_hash=key.phone_hash)
    return Petitioner.objects.filter(condition)


def repeat_candidates(*, keys: list[PetitionerKey], category_id: int, locality_id: int, received_at: datetime) -> QuerySet[Petition]:
    """Earlier petitions by the same person on the same matter within the repeat window, newest first."""
    window_start = received_at - timedelta(days=settings.REPEAT_WINDOW_DAYS)
    return (
        Petition.objects.filter(
            petitionpetitioner__petitioner__in=petitioner_matches(keys),
            category_id=category_id,
            locality_id=locality_id,
            received_at__gte=window_start,
            received_at__lte=received_at,
        )
        .select_related("category", "locality")
        .distinct()
        .order_by("-received_at", "-id")
    )


def petitioner_by_id_number(id_number: str) -> Petitioner | None:
    return Petitioner.objects.filter(id_number_hash=lookup_hash(id_number)).select_related("township").first()


def earlier_petitions(petitioner: Petitioner, limit: int = 10) -> QuerySet[Petition]:
    return petitioner.petitions.select_related("category", "locality").order_by("-received_at", "-id")[:limit]


def petitioner_visible_to(user: User, pk: int) -> Petitioner:
    """A petitioner on at least one petition the user may see, else 404."""
    visible = petitions_visible_to(user)
    return get_object_or_404(Petitioner.objects.filter(petitions__in=visible).distinct(), pk=pk)


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("code")


def petitions_registered_on(*, user: User, day: date) -> QuerySet[Petition]:
    """Petitions registered on `day` (Asia/Shanghai) that the user may see: the clerk's day so far."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return (
        petitions_visible_to(user)
        .filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .select_related("category", "category__parent", "locality", "unit")
        .order_by("-created_at", "-id")
    )


def petitions_decision_due(*, user: User, by: date) -> QuerySet[Petition]:
    """Undecided petitions whose decision deadline is on or before `by` (overdue ones included), soonest first."""
    return (
        petitions_visible_to(user)
        .filter(status__in=OPEN_STATUSES, decision_due__lte=by)
        .select_related("category", "category__parent", "locality", "unit")
        .order_by("decision_due", "received_at", "id")
    )


def attachment_get(*, user: User, pk: int) -> Attachment:
    """An attachment of a petition the user may see, else 404."""
    return get_object_or_404(Attachment.objects.filter(petition__in=petitions_visible_to(user)), pk=pk)


def decision_deadline(*, petition: Petition) -> DueDate | None:
    """How an open petition's decision deadline is counted on today's calendar and policy, from its
    clock's start (receipt, or the last routing); None once decided."""
    if petition.status not in OPEN_STATUSES:
        return None
    deadline = deadlines_of(petition).filter(kind=DeadlineKind.DECISION).first()
    return due_date(kind=DeadlineKind.DECISION, start=deadline.start_on) if deadline else None


def objection_window(*, petition: Petition) -> DueDate | None:
    """The last day the unit a petition was routed to may hand it back as not competent (Art. 23 ¶3):
    5 working days from the day it was routed there. That day is the start of the decision clock,
    which routing starts afresh for the new unit (a date, where an event's time would need the
    local day worked out). None unless the petition waits at the unit it was routed to."""
    if petition.status != Status.ROUTED:
        return None
    deadline = deadlines_of(petition).filter(kind=DeadlineKind.DECISION).first()
    return due_date(kind=DeadlineKind.OBJECTION, start=deadline.start_on) if deadline else None


@dataclass(frozen=True)
class RoutingSuggestion:
    unit: Unit
    why: str


def routing_suggestion(petition: Petition) -> RoutingSuggestion:
    """The competent unit by the administrator's routing rules (Arts. 5, 22), and why: the most specific
    rule that matches (category and locality, then category, then locality; at each, a rule on the
    petition's own sub-category before one on its first-level category), else the township by 属地管理. One query."""
    category = petition.category
    categories = [category.pk] if category.parent_id is None else [category.pk, category.parent_id]
    rules = RoutingRule.objects.filter(
        Q(category__isnull=True) | Q(category_id__in=categories), Q(locality__isnull=True) | Q(locality_id=petition.locality_id)
    ).select_related("unit")

    def specificity(rule: RoutingRule) -> tuple[bool, bool, bool, int]:
        return (rule.category_id is not None, rule.locality_id is not None, rule.category_id == category.pk, -rule.pk)

    best = max(rules, key=specificity, default=None)
    if best is not None:
        return RoutingSuggestion(unit=best.unit, why=best.note)
    return RoutingSuggestion(
        unit=petition.locality, why=gettext("Where it happened (属地管理): %(township)s") % {"township": petition.locality.name}
    )

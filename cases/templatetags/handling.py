"""Template helpers for the case pages; permission answers come from cases.permissions and the selectors."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import documents, permissions, selectors
from cases.models import HANDLING_STATUSES, Case, CaseAction, CaseStatus

register = template.Library()

DOCUMENT_TITLES = {
    "acceptance": _("Acceptance notice"),
    "not_accepted": _("Non-acceptance notice"),
    "not_accepted_again": _("Notice that the matter is not accepted again"),
    "extension": _("Extension notice"),
    "reply": _("Reply (written opinion)"),
    "review": pgettext_lazy("document", "Review opinion"),
    "reexamination": pgettext_lazy("document", "Re-examination opinion"),
}
DRAFT_REPLY_TITLE = _("Draft reply, awaiting approval")

# One colour per kind of state, for every status on the case pages (case, plan, deadline, extension,
# reply, rating): waiting for someone is yellow, done is green, refused or late is red.
BADGE_CLASSES = {
    "accepted": "text-bg-secondary",
    "assigned": "text-bg-info",
    "plan_submitted": "text-bg-warning",
    "in_progress": "text-bg-primary",
    "reply_drafted": "text-bg-warning",
    "reply_approved": "text-bg-info",
    "replied": "text-bg-success",
    "evaluated": "text-bg-success",
    "closed": "text-bg-dark",
    "review_requested": "text-bg-warning",
    "review_decided": "text-bg-info",
    "reexamination_requested": "text-bg-warning",
    "concluded": "text-bg-dark",
    "submitted": "text-bg-warning",
    "requested": "text-bg-warning",
    "draft": "text-bg-warning",
    "returned": "text-bg-danger",
    "approved": "text-bg-success",
    "served": "text-bg-success",
    "rejected": "text-bg-danger",
    "open": "text-bg-info",
    "met": "text-bg-success",
    "answered": "text-bg-success",
    "overdue": "text-bg-danger",
    "lapsed": "text-bg-secondary",
    "satisfied": "text-bg-success",
    "basically_satisfied": "text-bg-info",
    "dissatisfied": "text-bg-danger",
}


@register.filter
def badge_class(state: str) -> str:
    return BADGE_CLASSES.get(state, "text-bg-secondary")


# Made once: get_<field>_display() builds the field's whole choice dict again, translating every
# label, on each call, which took a fifth of a 50-row list's rendering.
CASE_STATUS_LABELS = dict(CaseStatus.choices)
CASE_ACTION_LABELS = dict(CaseAction.choices)


@register.filter
def case_status_label(status: str) -> str:
    return str(CASE_STATUS_LABELS.get(status, status))


@register.filter
def case_action_label(action: str) -> str:
    return str(CASE_ACTION_LABELS.get(action, action))


@register.simple_tag
def approvals_waiting(user) -> int | None:
    """How many decisions await this leader (one count query); None for those who approve nothing."""
    if not permissions.can_approve_any(user):
        return None
    return selectors.approval_inbox(user=user).count()


@register.simple_tag
def visible_case_of(user, petition) -> Case | None:
    """The petition's case, if this user may open it (a link to a 404 helps no one)."""
    return selectors.case_of_petition_visible_to(user, petition.pk)


@register.simple_tag
def case_document_links(case: Case, user) -> list[tuple[str, str]]:
    """(title, URL) of the documents the case has reached, and the draft reply for those who approve or write it."""
    draft = documents.reply_is_draft(case)
    return [
        (str(DRAFT_REPLY_TITLE if kind == "reply" and draft else DOCUMENT_TITLES[kind]), reverse("case-document", args=[case.pk, kind]))
        for kind in documents.available_documents(case, user)
    ]


@register.simple_tag
def petition_document_links(petition) -> list[tuple[str, str]]:
    """(title, URL) of the notices a petition refused at intake has."""
    return [
        (str(DOCUMENT_TITLES[kind]), reverse("petition-document", args=[petition.pk, kind]))
        for kind in documents.petition_documents(petition)
    ]


@register.filter
def handling_days_left(case: Case) -> int | None:
    """Days to the handling due date while the reply is not served; negative when overdue."""
    if case.status not in HANDLING_STATUSES:
        return None
    return (case.handling_due - timezone.localdate()).days


@register.filter(name="abs")
def absolute(number: int) -> int:
    return abs(number)

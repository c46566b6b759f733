"""Every write on a case, by concern: acceptance (opening or joining a case), the handling workflow,
supervision orders, and the case's clocks as their owner. The public names are gathered here so
that pages, the API and tasks call `cases.services.<action>` whatever module holds it."""

from cases.services.acceptance import ConcludedMatter, case_open_or_join, petition_accept, petition_not_accept_again
from cases.services.aftercare import aftercare_record
from cases.services.clocks import case_deadlines_moved, case_reminder_drafts
from cases.services.reports import completion_clock_open, completion_report_submit
from cases.services.supervision import supervision_issue, supervision_respond
from cases.services.workflow import (
    case_assign,
    case_close,
    case_lead_change,
    evaluation_record,
    extension_approve,
    extension_reject,
    extension_request,
    hearing_add,
    leader_meeting_add,
    plan_approve,
    plan_reject,
    plan_submit,
    progress_add,
    reexamination_decide,
    reexamination_request,
    reply_approve,
    reply_draft,
    reply_reject,
    reply_serve,
    review_decide,
    review_request,
)

__all__ = [
    "ConcludedMatter",
    "aftercare_record",
    "case_assign",
    "case_close",
    "case_deadlines_moved",
    "case_lead_change",
    "case_open_or_join",
    "case_reminder_drafts",
    "completion_clock_open",
    "completion_report_submit",
    "evaluation_record",
    "extension_approve",
    "extension_reject",
    "extension_request",
    "hearing_add",
    "leader_meeting_add",
    "petition_accept",
    "petition_not_accept_again",
    "plan_approve",
    "plan_reject",
    "plan_submit",
    "progress_add",
    "reexamination_decide",
    "reexamination_request",
    "reply_approve",
    "reply_draft",
    "reply_reject",
    "reply_serve",
    "review_decide",
    "review_request",
    "supervision_issue",
    "supervision_respond",
]

"""The official documents a case produces (告知书, 意见书), as A4 PDFs.

The renderers take plain values, not models, so that the texts can be rendered and checked on
their own; the layer at the end of this module (`available_documents`, `case_document_pdf`,
`petition_documents`, `petition_document_pdf`) builds those values from a case or a petition. The
wording lives in the templates under `cases/documents/`, which a county adapts (or overrides in the
project's `templates/`).
"""

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from accounts.models import Unit, UnitKind, User
from cases import models as case_models
from cases import permissions, selectors
from deadlines.calendar import due_date
from deadlines.models import DeadlineKind, DeadlinePolicy
from petitions.models import Petition, PetitionPetitioner
from petitions.models import Status as PetitionStatus

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "cases" / "documents"

# The three opinions a written reply may give (《信访工作条例》): support, explain, not support.
OPINIONS = ("support", "explain", "not_support")


def _paragraphs(text: str) -> list[str]:
    """Free text from a form, one paragraph per non-empty line, so each gets its first-line indent."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True, kw_only=True)
class DocumentContext:
    """What every document carries: who issues it, to whom, under which number, on which day."""

    kind: ClassVar[str]

    issuing_unit: str  # the competent body itself, not an internal office
    reg_no: str
    petitioner_names: list[str]
    issued_on: date
    # A draft for its approver to read: marked 草稿 all over, without the seal and date of an issued one.
    draft: bool = False

    def __post_init__(self):
        if not self.petitioner_names:
            raise ValueError("A document is addressed to at least one petitioner.")

    @property
    def several_petitioners(self) -> bool:
        return len(self.petitioner_names) > 1


@dataclass(frozen=True, kw_only=True)
class AcceptanceNotice(DocumentContext):
    kind = "acceptance"

    matter: str
    received_on: date
    accepted_on: date
    reply_due_on: date


@dataclass(frozen=True, kw_only=True)
class NotAcceptedNotice(DocumentContext):
    kind = "not_accepted"

    matter: str
    received_on: date
    reason: str
    legal_basis: str  # the law and article, e.g. 《信访工作条例》第三十一条第一项
    proper_channel: str  # a verb phrase: where the matter belongs instead, e.g. 向县人民法院提起诉讼


@dataclass(frozen=True, kw_only=True)
class NotAcceptedAgainNotice(DocumentContext):
    kind = "not_accepted_again"

    matter: str
    received_on: date
    reexamination_unit: str
    reexamination_on: date


@dataclass(frozen=True, kw_only=True)
class ExtensionNotice(DocumentContext):
    kind = "extension"

    matter: str
    accepting_unit: str  # who accepted the matter; the notice is issued by the lead unit that handles it
    accepted_on: date
    approving_unit: str  # whose head approved (Art. 34): the lead unit, as cases.permissions has it
    reason: str
    extra_days: int
    new_due_on: date

    def __post_init__(self):
        super().__post_init__()
        cap = DeadlinePolicy.objects.get(kind=DeadlineKind.EXTENSION).days
        if not 1 <= self.extra_days <= cap:
            raise ValueError(f"An extension is 1 to {cap} days.")


@dataclass(frozen=True, kw_only=True)
class _Opinion(DocumentContext):
    """The three parts shared by the reply, the review and the re-examination opinion."""

    matter: str
    opinion: str  # one of OPINIONS
    opinion_detail: str
    legal_basis: str

    def __post_init__(self):
        super().__post_init__()
        if self.opinion not in OPINIONS:
            raise ValueError(f"opinion must be one of {OPINIONS}, not {self.opinion!r}.")

    @property
    def opinion_paragraphs(self) -> list[str]:
        return _paragraphs(self.opinion_detail)


@dataclass(frozen=True, kw_only=True)
class Reply(_Opinion):
    kind = "reply"

    received_on: date
    channel: str  # how it arrived, as the petitioner would say it: 来信, 来访, 网上信访 …
    accepted_on: date
    review_body: str  # the next-higher body that takes a request for review


@dataclass(frozen=True, kw_only=True)
class ReviewOpinion(_Opinion):
    kind = "review"

    original_unit: str
    original_on: date
    requested_on: date
    reexamination_body: str


@dataclass(frozen=True, kw_only=True)
class ReexaminationOpinion(_Opinion):
    kind = "reexamination"

    review_unit: str
    review_on: date
    requested_on: date


CONTEXTS: dict[str, type[DocumentContext]] = {
    context.kind: context
    for context in (
        AcceptanceNotice,
        NotAcceptedNotice,
        NotAcceptedAgainNotice,
        ExtensionNotice,
        Reply,
        ReviewOpinion,
        ReexaminationOpinion,
    )
}

# Documents are rendered on an intranet server: local files and data: URLs only, never the network.
url_fetcher = URLFetcher(allowed_protocols={"file", "data"})


def render_html(kind: str, context: DocumentContext) -> str:
    if CONTEXTS.get(kind) is not type(context):
        raise ValueError(f"No document {kind!r} for a {type(context).__name__}.")
    values = {field.name: getattr(context, field.name) for field in fields(context)}
    return render_to_string(f"cases/documents/{kind}.html", {**values, "document": context})


def render_pdf(kind: str, context: DocumentContext) -> bytes:
    html = HTML(string=render_html(kind, context), base_url=str(TEMPLATE_DIR), url_fetcher=url_fetcher)
    return html.write_pdf()


# From a case or a petition to the values above: what the case page and the API download.
#
# Every value comes from what the application recorded. A document's place for something not
# recorded (a legal basis left blank; for a non-acceptance the article and the proper channel) is
# left empty, and the template leaves that sentence out: the recorded reason or opinion text carries
# it. A reply's or an opinion's text is the facts and the opinion together, so it is printed under
# one heading.

CASE_DOCUMENTS = ("acceptance", "extension", "reply", "review", "reexamination")
PETITION_DOCUMENTS = ("not_accepted", "not_accepted_again")

# How a petition arrived, as the document says it to the petitioner (以来信方式提出).
CHANNEL_WORDS = {"letter": "来信", "visit": "来访", "online": "网上信访", "phone": "电话", "mailbox": "领导信箱"}
# The body above the one that decided, in the law's own words: who takes a re-examination request,
# or a review request when the unit's next-higher body is not recorded.
HIGHER_BODY = "本机关的上一级机关"


def _petitioner_names(petition_ids: list[int]) -> list[str]:
    """Names only, never ID numbers; a group is addressed through its representatives."""
    links = list(
        PetitionPetitioner.objects.filter(petition_id__in=petition_ids)
        .select_related("petitioner")
        .order_by("petition__received_at", "petition_id", "id")
    )
    addressed = [link for link in links if link.is_representative] or links
    names = {link.petitioner_id: link.petitioner.name.strip() for link in addressed}
    return [name for name in dict.fromkeys(names.values()) if name]


def _county_bureau_name() -> str:
    """The county petition bureau, which recorded the opinions of old cases (before the deciding body was kept)."""
    name = Unit.objects.filter(kind=UnitKind.BUREAU).order_by("code").values_list("name", flat=True).first()
    return name or HIGHER_BODY


def _decider_unit_name(appeal: case_models.Appeal) -> str:
    """The body that decided an opinion, in whose name it is issued (Arts. 35–36). An opinion recorded
    before the body was kept names the recording user's unit, else the county bureau."""
    if appeal.body:
        return appeal.body
    decider = appeal.decided_by
    return decider.unit.name if decider is not None and decider.unit else _county_bureau_name()


def _decided_appeals(case: case_models.Case) -> dict[str, case_models.Appeal]:
    """The case's review and re-examination that have an opinion served, by level."""
    appeals = case.appeals.filter(served_on__isnull=False).select_related("decided_by__unit")
    return {appeal.level: appeal for appeal in appeals}


def _approved_extension(case: case_models.Case) -> case_models.Extension:
    return case_models.Extension.objects.get(case=case, status=case_models.ExtensionStatus.APPROVED)


def _issued_reply(case: case_models.Case) -> case_models.Reply:
    """The reply once the lead official approved it (a draft is not a document yet)."""
    issued = [case_models.ReplyStatus.APPROVED, case_models.ReplyStatus.SERVED]
    return case_models.Reply.objects.get(case=case, status__in=issued)


def reply_is_draft(case: case_models.Case) -> bool:
    """The reply waits for the lead official's approval: its document is a draft, for them and the team only."""
    reply = case.related_or_none("reply")
    return reply is not None and reply.status == case_models.ReplyStatus.DRAFT


def _served_on(step: case_models.Reply | case_models.Appeal) -> date:
    """When a reply or an opinion was served, which available_documents() has seen for the kinds it lists."""
    if step.served_on is None:
        raise ValueError(f"{step._meta.verbose_name} {step.pk} has not been served.")
    return step.served_on


def _reads_drafts(user: User, case: case_models.Case) -> bool:
    return permissions.can_approve(user, case) or permissions.can_work_on(user, case)


def available_documents(case: case_models.Case, user: User | None = None) -> list[str]:
    """The kinds of document the case has reached, in the order they are issued; the drafted reply
    too when `user` is its approver or on the team (others who see the case do not see drafts).
    Reads what the case page and the API have loaded already (its extension, reply, team and appeals)."""
    kinds = ["acceptance"]
    extension = case.related_or_none("extension")
    if extension is not None and extension.status == case_models.ExtensionStatus.APPROVED:
        kinds.append("extension")
    reply = case.related_or_none("reply")
    issued = reply is not None and reply.status in (case_models.ReplyStatus.APPROVED, case_models.ReplyStatus.SERVED)
    if issued or (reply_is_draft(case) and user is not None and _reads_drafts(user, case)):
        kinds.append("reply")
    decided = {appeal.level for appeal in case.appeals.all() if appeal.served_on is not None}
    kinds += [level for level in (case_models.AppealLevel.REVIEW, case_models.AppealLevel.REEXAMINATION) if level in decided]
    return kinds


def _first_petition(case: case_models.Case) -> Petition:
    """The petition that opened the case: its number, date and summary head every document."""
    return case.petition_links.select_related("petition").order_by("-is_first", "linked_at", "id")[0].petition


def _acceptance_due_on(case: case_models.Case) -> date:
    """The handling due date the acceptance notice promised: the deadline's, without a later extension."""
    deadline = case.deadlines.get(kind=DeadlineKind.HANDLING)
    if not deadline.extension_days:
        return deadline.due_on
    return due_date(kind=deadline.kind, start=deadline.start_on, pauses=deadline.paused_days).due_on


def _case_context(case: case_models.Case, kind: str) -> DocumentContext:
    first = _first_petition(case)
    petition_ids = list(case.petition_links.values_list("petition_id", flat=True))
    common: dict[str, Any] = {
        "reg_no": first.reg_no,
        "petitioner_names": _petitioner_names(petition_ids),
        "matter": first.summary,
    }
    accepting_unit = case.accepting_unit.name
    if kind == "acceptance":
        return AcceptanceNotice(
            **common,
            issuing_unit=accepting_unit,
            received_on=timezone.localdate(first.received_at),
            accepted_on=case.accepted_on,
            reply_due_on=_acceptance_due_on(case),
            issued_on=case.accepted_on,
        )
    if kind == "extension":
        extension = _approved_extension(case)
        lead_unit = case.lead_unit or case.accepting_unit
        # Its head approved (cases.permissions.can_decide_extension); one decided before that rule names the decider's unit.
        decider_unit = extension.decided_by.unit if extension.decided_by and extension.decided_by.unit else lead_unit
        return ExtensionNotice(
            **common,
            issuing_unit=lead_unit.name,
            accepting_unit=accepting_unit,
            approving_unit=decider_unit.name,
            accepted_on=case.accepted_on,
            # The notice says "因<reason>，不能在规定期限内办结。": the reason's own closing stop would double it.
            reason=extension.reason.strip().rstrip("。；;，,."),
            extra_days=extension.days,
            new_due_on=case.handling_due,
            issued_on=timezone.localdate(extension.decided_at),
        )
    if kind == "reply":
        draft = reply_is_draft(case)
        reply = case.reply if draft else _issued_reply(case)
        return Reply(
            **common,
            issuing_unit=accepting_unit,
            received_on=timezone.localdate(first.received_at),
            channel=CHANNEL_WORDS.get(first.channel, first.get_channel_display()),
            accepted_on=case.accepted_on,
            opinion=reply.outcome,
            opinion_detail=reply.content,
            legal_basis=reply.legal_basis,
            # The next-higher body of the unit that replied takes the request for review (Art. 35).
            review_body=case.accepting_unit.higher_body or HIGHER_BODY,
            issued_on=timezone.localdate() if draft else reply.served_on or timezone.localdate(reply.approved_at),
            draft=draft,
        )
    reply = _issued_reply(case)
    appeals = _decided_appeals(case)
    review = appeals[case_models.AppealLevel.REVIEW]
    if kind == "review":
        return ReviewOpinion(
            **common,
            issuing_unit=_decider_unit_name(review),
            original_unit=accepting_unit,
            original_on=_served_on(reply),
            requested_on=review.requested_on,
            opinion=review.outcome,
            opinion_detail=review.content,
            legal_basis=review.legal_basis,
            # Re-examination goes to the body above the one that reviewed, outside this county's system.
            reexamination_body=HIGHER_BODY,
            issued_on=_served_on(review),
        )
    reexamination = appeals[case_models.AppealLevel.REEXAMINATION]
    return ReexaminationOpinion(
        **common,
        issuing_unit=_decider_unit_name(reexamination),
        review_unit=_decider_unit_name(review),
        review_on=_served_on(review),
        requested_on=reexamination.requested_on,
        opinion=reexamination.outcome,
        opinion_detail=reexamination.content,
        legal_basis=reexamination.legal_basis,
        issued_on=_served_on(reexamination),
    )


def case_document_pdf(*, case: case_models.Case, kind: str, user: User | None = None) -> tuple[str, bytes]:
    """(file name, PDF) of a document of the case; 404 for a kind the case has not reached, or a draft
    `user` may not read (available_documents)."""
    if kind not in available_documents(case, user):
        raise Http404("No such document for this case.")
    context = _case_context(case, kind)
    name = f"{kind}-draft" if context.draft else kind
    return f"{context.reg_no}-{name}.pdf", render_pdf(kind, context)


def _concluded_reexamination(petition: Petition) -> case_models.Appeal | None:
    """The re-examination that concluded the petition's matter: of the concluded case the handler cited
    when refusing it. A petition refused before that judgement was recorded cites the newest concluded
    case sharing a petitioner, the category and the locality, as acceptance then decided it."""
    decision = case_models.ConcludedMatterDecision.objects.filter(petition=petition).select_related("concluded_case").first()
    if decision is not None:
        return selectors.concluded_reexamination(decision.concluded_case)
    matter = selectors.matter_cases(petition).filter(status=case_models.CaseStatus.CONCLUDED)
    return (
        case_models.Appeal.objects.filter(case__in=matter, level=case_models.AppealLevel.REEXAMINATION, served_on__isnull=False)
        .select_related("decided_by__unit")
        .order_by("-served_on", "-id")
        .first()
    )


def petition_documents(petition: Petition) -> list[str]:
    """The notice a petition refused at intake gets: not accepted (or diverted), or not accepted again."""
    if petition.status in (PetitionStatus.NOT_ACCEPTED, PetitionStatus.DIVERTED):
        return ["not_accepted"]
    if petition.status == PetitionStatus.NOT_ACCEPTED_AGAIN and _concluded_reexamination(petition):
        return ["not_accepted_again"]
    return []


def _petition_context(petition: Petition, kind: str) -> DocumentContext:
    deciding_unit = Unit.objects.get(pk=petition.responsible_unit_id)
    common: dict[str, Any] = {
        "issuing_unit": deciding_unit.name,
        "reg_no": petition.reg_no,
        "petitioner_names": _petitioner_names([petition.pk]),
        "matter": petition.summary,
        "received_on": timezone.localdate(petition.received_at),
        "issued_on": timezone.localdate(petition.decided_at),
    }
    if kind == "not_accepted":
        return NotAcceptedNotice(**common, reason=petition.decision_reason.strip().rstrip("。"), legal_basis="", proper_channel="")
    reexamination = _concluded_reexamination(petition)
    if reexamination is None:  # petition_documents() has found it
        raise Http404("No such document for this petition.")
    return NotAcceptedAgainNotice(
        **common, reexamination_unit=reexamination.body or _decider_unit_name(reexamination), reexamination_on=_served_on(reexamination)
    )


def petition_document_pdf(*, petition: Petition, kind: str) -> tuple[str, bytes]:
    """(file name, PDF) of the notice on a petition; 404 for a kind it has not reached."""
    if kind not in petition_documents(petition):
        raise Http404("No such document for this petition.")
    context = _petition_context(petition, kind)
    return f"{petition.reg_no}-{kind}.pdf", render_pdf(kind, context)


def pdf_response(filename: str, pdf: bytes) -> HttpResponse:
    """A document as a download, for the pages and the API alike."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # A notice names the petitioner: never kept by a shared cache or the browser.
    response["Cache-Control"] = "private, no-store"
    return response

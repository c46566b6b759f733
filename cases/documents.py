"""The official documents a case produces (告知书, 意见书), as A4 PDFs.

Built from plain values, not from models, so that the texts can be rendered and checked on their
own; services turn a case into these values. The wording lives in the templates under
`cases/documents/`, which a county adapts (or overrides in the project's `templates/`).
"""

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import ClassVar

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

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
    accepted_on: date
    reason: str
    extra_days: int
    new_due_on: date

    def __post_init__(self):
        super().__post_init__()
        if not 1 <= self.extra_days <= 30:
            raise ValueError("An extension is 1 to 30 days.")


@dataclass(frozen=True, kw_only=True)
class _Opinion(DocumentContext):
    """The three parts shared by the reply, the review and the re-examination opinion."""

    matter: str
    facts: str
    opinion: str  # one of OPINIONS
    opinion_detail: str
    legal_basis: str

    def __post_init__(self):
        super().__post_init__()
        if self.opinion not in OPINIONS:
            raise ValueError(f"opinion must be one of {OPINIONS}, not {self.opinion!r}.")

    @property
    def facts_paragraphs(self) -> list[str]:
        return _paragraphs(self.facts)

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


def acceptance_notice(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    received_on: date,
    accepted_on: date,
    reply_due_on: date,
    issued_on: date,
) -> bytes:
    """受理告知书: accepted on a date, a written opinion within 60 days."""
    context = AcceptanceNotice(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        received_on=received_on,
        accepted_on=accepted_on,
        reply_due_on=reply_due_on,
        issued_on=issued_on,
    )
    return render_pdf(AcceptanceNotice.kind, context)


def not_accepted_notice(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    received_on: date,
    reason: str,
    legal_basis: str,
    proper_channel: str,
    issued_on: date,
) -> bytes:
    """不予受理告知书: why, under which article, and where the matter belongs instead."""
    context = NotAcceptedNotice(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        received_on=received_on,
        reason=reason,
        legal_basis=legal_basis,
        proper_channel=proper_channel,
        issued_on=issued_on,
    )
    return render_pdf(NotAcceptedNotice.kind, context)


def not_accepted_again_notice(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    received_on: date,
    reexamination_unit: str,
    reexamination_on: date,
    issued_on: date,
) -> bytes:
    """不再受理告知书: the same matter after the re-examination concluded it."""
    context = NotAcceptedAgainNotice(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        received_on=received_on,
        reexamination_unit=reexamination_unit,
        reexamination_on=reexamination_on,
        issued_on=issued_on,
    )
    return render_pdf(NotAcceptedAgainNotice.kind, context)


def extension_notice(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    accepted_on: date,
    reason: str,
    extra_days: int,
    new_due_on: date,
    issued_on: date,
) -> bytes:
    """延期告知书: the reason, the extra days, the new due date."""
    context = ExtensionNotice(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        accepted_on=accepted_on,
        reason=reason,
        extra_days=extra_days,
        new_due_on=new_due_on,
        issued_on=issued_on,
    )
    return render_pdf(ExtensionNotice.kind, context)


def reply(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    received_on: date,
    channel: str,
    accepted_on: date,
    facts: str,
    opinion: str,
    opinion_detail: str,
    legal_basis: str,
    review_body: str,
    issued_on: date,
) -> bytes:
    """处理意见书: how it was received; facts and opinion with legal basis; the right to review."""
    context = Reply(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        received_on=received_on,
        channel=channel,
        accepted_on=accepted_on,
        facts=facts,
        opinion=opinion,
        opinion_detail=opinion_detail,
        legal_basis=legal_basis,
        review_body=review_body,
        issued_on=issued_on,
    )
    return render_pdf(Reply.kind, context)


def review_opinion(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    original_unit: str,
    original_on: date,
    requested_on: date,
    facts: str,
    opinion: str,
    opinion_detail: str,
    legal_basis: str,
    reexamination_body: str,
    issued_on: date,
) -> bytes:
    """复查意见书: the reply's three parts, ending with the right to re-examination."""
    context = ReviewOpinion(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        original_unit=original_unit,
        original_on=original_on,
        requested_on=requested_on,
        facts=facts,
        opinion=opinion,
        opinion_detail=opinion_detail,
        legal_basis=legal_basis,
        reexamination_body=reexamination_body,
        issued_on=issued_on,
    )
    return render_pdf(ReviewOpinion.kind, context)


def reexamination_opinion(
    *,
    issuing_unit: str,
    reg_no: str,
    petitioner_names: list[str],
    matter: str,
    review_unit: str,
    review_on: date,
    requested_on: date,
    facts: str,
    opinion: str,
    opinion_detail: str,
    legal_basis: str,
    issued_on: date,
) -> bytes:
    """复核意见书: the reply's three parts, ending with the matter concluded (三级终结)."""
    context = ReexaminationOpinion(
        issuing_unit=issuing_unit,
        reg_no=reg_no,
        petitioner_names=petitioner_names,
        matter=matter,
        review_unit=review_unit,
        review_on=review_on,
        requested_on=requested_on,
        facts=facts,
        opinion=opinion,
        opinion_detail=opinion_detail,
        legal_basis=legal_basis,
        issued_on=issued_on,
    )
    return render_pdf(ReexaminationOpinion.kind, context)

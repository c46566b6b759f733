"""Documents built from a case or a petition as the workflow left it, rendered and read back with pypdf."""

import io
from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.tests.factories import make_user
from cases import documents, services
from cases.models import Case
from cases.tests.factories import LEGAL_BASIS, REEXAMINATION_BODY, REVIEW_BODY, make_case
from deadlines.models import DeadlineKind, DeadlinePolicy
from petitions import services as petition_services
from petitions.tests.factories import make_id_number, make_petition

pytestmark = pytest.mark.django_db


def chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def first_reg_no(case) -> str:
    return case.petition_links.get(is_first=True).petition.reg_no


def with_approved_extension(county, case, *, days: int = 20):
    services.extension_request(actor=county.handler_a, case=case, days=days, reason="涉及多个用工主体，需进一步调查核实")
    services.extension_approve(actor=county.leader_a, case=type(case).objects.get(pk=case.pk))
    return type(case).objects.get(pk=case.pk)


def routed_petition(county, **fields):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, name="李四", **fields)
    return petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("accepted", ["acceptance"]),
        ("in_progress", ["acceptance"]),
        ("reply_drafted", ["acceptance"]),
        ("reply_approved", ["acceptance", "reply"]),
        ("closed", ["acceptance", "reply"]),
        ("review_requested", ["acceptance", "reply"]),
        ("review_decided", ["acceptance", "reply", "review"]),
        ("reexamination_requested", ["acceptance", "reply", "review"]),
        ("concluded", ["acceptance", "reply", "review", "reexamination"]),
    ],
)
def test_available_documents_follow_the_workflow(county, state, expected):
    case = make_case(county, state=state)

    assert documents.available_documents(case) == expected


def test_extension_notice_is_available_once_approved_not_when_requested_or_refused(county):
    requested = make_case(county, state="in_progress")
    services.extension_request(actor=county.handler_a, case=requested, days=10, reason="需补充材料")
    refused = make_case(county, state="in_progress")
    services.extension_request(actor=county.handler_a, case=refused, days=10, reason="需补充材料")
    services.extension_reject(actor=county.leader_a, case=refused, reason="期限足够")
    approved = with_approved_extension(county, make_case(county, state="in_progress"))

    assert documents.available_documents(requested) == ["acceptance"]
    assert documents.available_documents(refused) == ["acceptance"]
    assert documents.available_documents(approved) == ["acceptance", "extension"]


def test_acceptance_notice(county):
    accepted_on = timezone.localdate() - timedelta(days=5)
    case = make_case(county, accepted_on=accepted_on)

    filename, pdf = documents.case_document_pdf(case=case, kind="acceptance")
    text = text_of(pdf)

    assert filename == f"{first_reg_no(case)}-acceptance.pdf"
    for expected in [
        "信访事项受理告知书",
        "城关镇",
        first_reg_no(case),
        "张三：",
        "拖欠工资问题",
        f"已于{chinese(accepted_on)}依法受理",
        f"即{chinese(case.handling_due)}前",
    ]:
        assert expected in text, expected


def test_acceptance_notice_keeps_the_promised_due_date_after_an_extension(county):
    case = make_case(county, state="in_progress")
    promised = case.handling_due
    case = with_approved_extension(county, case)

    text = text_of(documents.case_document_pdf(case=case, kind="acceptance")[1])

    assert case.handling_due > promised
    assert f"即{chinese(promised)}前" in text


def test_extension_notice_for_more_than_30_days_when_the_policy_allows_it(county):
    """The notice takes its cap from the `extension` policy, like the request: raising it is no 500."""
    DeadlinePolicy.objects.filter(kind=DeadlineKind.EXTENSION).update(days=45)
    case = with_approved_extension(county, make_case(county, state="in_progress"), days=40)

    assert "延长40日" in text_of(documents.case_document_pdf(case=case, kind="extension")[1])


def test_extension_notice(county):
    case = with_approved_extension(county, make_case(county, state="in_progress"), days=20)

    filename, pdf = documents.case_document_pdf(case=case, kind="extension")
    text = text_of(pdf)

    assert filename == f"{first_reg_no(case)}-extension.pdf"
    for expected in [
        "延期办理告知书",
        "城关镇",
        first_reg_no(case),
        "张三：",
        "本机关于",
        "需进一步调查核实",
        "经本机关负责人批准，办理期限延长20日",
        f"至{chinese(case.handling_due)}止",
        chinese(timezone.localdate()),
    ]:
        assert expected in text, expected


def test_reply_prints_the_recorded_text_under_one_heading_with_its_legal_basis(county):
    case = make_case(county, state="replied")

    filename, pdf = documents.case_document_pdf(case=case, kind="reply")
    text = text_of(pdf)

    assert filename == f"{first_reg_no(case)}-reply.pdf"
    for expected in [
        "信访事项处理意见书",
        "城关镇",
        first_reg_no(case),
        "张三：",
        "以来访方式",
        f"已于{chinese(case.accepted_on)}依法受理",
        "一、调查核实情况和处理意见",
        "支持诉求",
        f"事实清楚，符合{LEGAL_BASIS}的规定，本机关予以支持",
        "二、复查权利告知",
        "向本机关的上一级机关书面请求复查",
        chinese(timezone.localdate()),
    ]:
        assert expected in text, expected
    assert "三、" not in text
    assert "草稿" not in text


def test_reply_and_opinions_print_the_recorded_legal_basis(county):
    case = make_case(county, state="reply_drafted")
    basis = "《保障农民工工资支付条例》第十五条"
    services.reply_draft(actor=county.handler_a, case=case, outcome="support", content="支持诉求", legal_basis=basis)
    services.reply_approve(actor=county.leader_a, case=Case.objects.get(pk=case.pk))

    text = text_of(documents.case_document_pdf(case=case, kind="reply")[1])

    assert f"符合{basis}的规定，本机关予以支持" in text


def test_an_approved_reply_not_yet_served_is_dated_by_its_approval(county):
    case = make_case(county, state="reply_approved")

    text = text_of(documents.case_document_pdf(case=case, kind="reply")[1])

    assert chinese(timezone.localdate(case.reply.approved_at)) in text


def test_reply_names_the_accepting_units_next_higher_body_for_review(county):
    county.township_a.higher_body = "城关县人民政府"
    county.township_a.save()
    case = make_case(county, state="replied")

    text = text_of(documents.case_document_pdf(case=case, kind="reply")[1])

    assert "向城关县人民政府书面请求复查" in text
    assert "县信访局" not in text


def test_extension_notice_is_issued_by_the_lead_unit_whose_head_approved(county):
    """Accepted by township A, handled by the department as lead unit: its head approves, it issues the notice."""
    county.department_leader = make_user(unit=county.department, roles=["leader"], username="department_leader")
    case = make_case(county, state="in_progress")
    Case.objects.filter(pk=case.pk).update(lead_unit=county.department)
    services.extension_request(actor=county.handler_a, case=Case.objects.get(pk=case.pk), days=15, reason="需要鉴定")
    services.extension_approve(actor=county.department_leader, case=Case.objects.get(pk=case.pk))

    text = text_of(documents.case_document_pdf(case=Case.objects.get(pk=case.pk), kind="extension")[1])

    assert text.startswith("县人社局")
    assert f"城关镇于{chinese(case.accepted_on)}受理" in text
    assert "经本机关负责人批准，办理期限延长15日" in text


def draft_pdf(county, username: str | None = "leader_a", state: str = "reply_drafted"):
    case = make_case(county, state=state)
    user = getattr(county, username) if username else None
    return case, download(APIClient(), f"/api/v1/cases/{case.pk}/documents/reply.pdf", user)


@pytest.mark.parametrize("username", ["leader_a", "handler_a", "department_handler"])
def test_the_draft_reply_is_a_pdf_marked_draft_for_its_approver_and_the_team(county, username):
    case, response = draft_pdf(county, username)

    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'attachment; filename="{first_reg_no(case)}-reply-draft.pdf"'
    text = text_of(response.content)
    for expected in ["信访事项处理意见书（草稿）", "草稿，未经批准，不得印发或送达", "支持诉求", LEGAL_BASIS]:
        assert expected in text, expected
    assert "（印章）" not in text  # nothing that reads as issued
    reader = PdfReader(io.BytesIO(response.content))
    assert all("草稿" in page.extract_text() for page in reader.pages)  # the watermark, on every page


@pytest.mark.parametrize(("username", "status_code"), [("clerk_a", 404), ("supervisor", 404), ("handler_b", 404), (None, 401)])
def test_the_draft_reply_is_not_for_others(county, username, status_code):
    _case, response = draft_pdf(county, username)

    assert response.status_code == status_code


def test_a_reply_sent_back_is_no_document(county):
    case = make_case(county, state="reply_drafted")
    services.reply_reject(actor=county.leader_a, case=case, reason="依据不准确")

    assert documents.available_documents(Case.objects.get(pk=case.pk), county.handler_a) == ["acceptance"]
    with pytest.raises(Http404):
        documents.case_document_pdf(case=Case.objects.get(pk=case.pk), kind="reply", user=county.leader_a)


def test_review_opinion_comes_from_the_deciding_body(county):
    case = make_case(county, state="review_decided")

    filename, pdf = documents.case_document_pdf(case=case, kind="review")
    text = text_of(pdf)

    assert filename == f"{first_reg_no(case)}-review.pdf"
    today = chinese(timezone.localdate())
    assert f"{REVIEW_BODY}（印章）{today}" in text, "issued in the name of the body that decided"
    for expected in [
        "信访事项复查意见书",
        REVIEW_BODY,
        first_reg_no(case),
        "张三：",
        f"不服城关镇于{today}",
        f"于{today}向本机关请求复查",
        "维持",
        "解释说明",
        "二、复核权利告知",
        "向本机关的上一级机关书面请求复核",
        "《信访工作条例》第三十五条",
    ]:
        assert expected in text, expected
    assert "县信访局" not in text, "the county office records the opinion; it does not issue it"


def test_reexamination_opinion_concludes_the_matter(county):
    case = make_case(county, state="concluded")

    filename, pdf = documents.case_document_pdf(case=case, kind="reexamination")
    text = text_of(pdf)

    assert filename == f"{first_reg_no(case)}-reexamination.pdf"
    assert f"{REEXAMINATION_BODY}（印章）" in text
    for expected in [
        "信访事项复核意见书",
        first_reg_no(case),
        "张三：",
        f"不服{REVIEW_BODY}于",
        "《信访工作条例》第三十六条",
        "维持，终结",
        "二、终结告知",
        "不再受理",
    ]:
        assert expected in text, expected
    assert "县信访局" not in text


def test_an_opinion_recorded_before_the_body_was_kept_names_the_recording_unit(county):
    case = make_case(county, state="review_decided")
    case.appeals.update(body="")

    text = text_of(documents.case_document_pdf(case=case, kind="review")[1])

    assert "县信访局（印章）" in text


@pytest.mark.parametrize(("state", "kind"), [("accepted", "extension"), ("reply_drafted", "reply"), ("review_requested", "review")])
def test_a_document_the_case_has_not_reached_is_not_found(county, state, kind):
    case = make_case(county, state=state)

    with pytest.raises(Http404):
        documents.case_document_pdf(case=case, kind=kind)


def test_an_unknown_kind_is_not_found(county):
    with pytest.raises(Http404):
        documents.case_document_pdf(case=make_case(county), kind="not_accepted")


def test_a_group_is_addressed_through_its_representatives(county):
    people = [
        petition_services.petitioner_input_clean(name=name, id_number=make_id_number(), is_representative=name in {"王五", "赵六"})
        for name in ("王五", "赵六", "钱七")
    ]
    petition = routed_petition(county, petitioners=people)
    case = make_case(county, petition=petition, accepted_on=timezone.localdate())

    text = text_of(documents.case_document_pdf(case=case, kind="acceptance")[1])

    assert "王五、赵六：" in text
    assert "钱七" not in text
    assert "你们于" in text


@pytest.mark.parametrize("refuse", [petition_services.petition_not_accept, petition_services.petition_divert])
def test_not_accepted_notice_gives_the_recorded_reason(county, refuse):
    petition = refuse(actor=county.handler_a, petition=routed_petition(county), reason="该事项属于劳动争议，应当申请劳动仲裁。")

    assert documents.petition_documents(petition) == ["not_accepted"]
    filename, pdf = documents.petition_document_pdf(petition=petition, kind="not_accepted")
    text = text_of(pdf)

    assert filename == f"{petition.reg_no}-not_accepted.pdf"
    for expected in [
        "信访事项不予受理告知书",
        "城关镇",
        petition.reg_no,
        "李四：",
        "经审查，该事项属于劳动争议，应当申请劳动仲裁。本机关决定不予受理",
        chinese(timezone.localdate(petition.decided_at)),
    ]:
        assert expected in text, expected
    assert "根据的规定" not in text
    assert "请你。" not in text


def test_not_accepted_again_notice_cites_the_concluded_reexamination(county):
    id_number = make_id_number()
    concluded = make_case(county, state="concluded", id_number=id_number)
    again = routed_petition(county, id_number=id_number)
    again = services.petition_not_accept_again(actor=county.handler_a, petition=again, concluded_case=concluded, reason="同一事实和理由")
    assert again.status == "not_accepted_again"

    assert documents.petition_documents(again) == ["not_accepted_again"]
    filename, pdf = documents.petition_document_pdf(petition=again, kind="not_accepted_again")
    text = text_of(pdf)

    served_on = concluded.appeals.get(level="reexamination").served_on
    assert filename == f"{again.reg_no}-not_accepted_again.pdf"
    for expected in [
        "信访事项不再受理告知书",
        "城关镇",
        again.reg_no,
        f"已由{REEXAMINATION_BODY}于{chinese(served_on)}作出复核意见",
        "不再受理",
    ]:
        assert expected in text, expected


@pytest.mark.parametrize("state", ["registered", "routed", "accepted"])
def test_a_petition_without_a_refusal_has_no_notice(county, state):
    petition = make_petition(actor=county.clerk_a, locality=county.township_a)
    if state != "registered":
        petition = petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")
    if state == "accepted":
        petition, _case = services.petition_accept(actor=county.handler_a, petition=petition)

    assert documents.petition_documents(petition) == []
    with pytest.raises(Http404):
        documents.petition_document_pdf(petition=petition, kind="not_accepted")


# Through the API: GET /cases/{id}/documents/{kind}.pdf and /petitions/{id}/documents/{kind}.pdf.


def download(client, url: str, user=None):
    if user is not None:
        client.force_authenticate(user)
    return client.get(url, HTTP_ACCEPT="application/pdf")


def advanced_case(county, kind: str):
    """A case that has just reached the document `kind`."""
    if kind == "extension":
        return with_approved_extension(county, make_case(county, state="in_progress"))
    state = {"acceptance": "accepted", "reply": "replied", "review": "review_decided", "reexamination": "concluded"}[kind]
    return make_case(county, state=state)


# kind → what the downloaded document says besides the number, the name and the issuing unit.
CASE_TEXTS = {
    "acceptance": lambda case: ["信访事项受理告知书", "城关镇", chinese(case.accepted_on)],
    "extension": lambda case: ["延期办理告知书", "城关镇", "需进一步调查核实", chinese(case.handling_due)],
    "reply": lambda case: ["信访事项处理意见书", "城关镇", "支持诉求", "予以支持", chinese(case.reply.served_on)],
    "review": lambda case: ["信访事项复查意见书", REVIEW_BODY, "维持", "解释说明", chinese(case.appeals.get(level="review").served_on)],
    "reexamination": lambda case: ["信访事项复核意见书", REEXAMINATION_BODY, "维持，终结", "已经终结"],
}


@pytest.mark.parametrize("kind", CASE_TEXTS)
def test_case_document_downloads_as_a_private_pdf_attachment(county, kind):
    case = advanced_case(county, kind)

    response = download(APIClient(), f"/api/v1/cases/{case.pk}/documents/{kind}.pdf", county.handler_a)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{first_reg_no(case)}-{kind}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = text_of(response.content)
    for expected in [first_reg_no(case), "张三：", *CASE_TEXTS[kind](case)]:
        assert expected in text, expected


NOT_YET = [("in_progress", "extension"), ("replied", "review"), ("accepted", "bogus")]


@pytest.mark.parametrize(("state", "kind"), NOT_YET)
def test_case_document_not_yet_available_is_404(county, state, kind):
    case = make_case(county, state=state)

    response = download(APIClient(), f"/api/v1/cases/{case.pk}/documents/{kind}.pdf", county.handler_a)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


# Anyone who may see the case may print its documents: the quartet has no refused role here.
@pytest.mark.parametrize(
    ("username", "status_code"), [("clerk_a", 200), ("department_handler", 200), ("supervisor", 200), ("handler_b", 404), (None, 401)]
)
def test_case_document_follows_the_case_scope(county, username, status_code):
    case = make_case(county, state="assigned")
    user = getattr(county, username) if username else None

    response = download(APIClient(), f"/api/v1/cases/{case.pk}/documents/acceptance.pdf", user)

    assert response.status_code == status_code


def not_accepted_petition(county):
    return petition_services.petition_not_accept(actor=county.handler_a, petition=routed_petition(county), reason="该事项属于劳动争议。")


def test_not_accepted_notice_downloads(county):
    petition = not_accepted_petition(county)

    response = download(APIClient(), f"/api/v1/petitions/{petition.pk}/documents/not_accepted.pdf", county.clerk_a)

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{petition.reg_no}-not_accepted.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = text_of(response.content)
    for expected in ["不予受理告知书", "城关镇", petition.reg_no, "李四：", "该事项属于劳动争议", chinese(timezone.localdate())]:
        assert expected in text, expected


def test_not_accepted_again_notice_downloads(county):
    id_number = make_id_number()
    concluded = make_case(county, state="concluded", id_number=id_number)
    again = services.petition_not_accept_again(
        actor=county.handler_a, petition=routed_petition(county, id_number=id_number), concluded_case=concluded, reason="同一事实和理由"
    )

    response = download(APIClient(), f"/api/v1/petitions/{again.pk}/documents/not_accepted_again.pdf", county.handler_a)

    assert response.status_code == 200
    text = text_of(response.content)
    # The same ID number is the same person, registered the first time as 张三.
    for expected in ["不再受理告知书", again.reg_no, "张三：", REEXAMINATION_BODY, "复核意见"]:
        assert expected in text, expected


@pytest.mark.parametrize(("username", "status_code"), [("handler_a", 200), ("clerk_b", 404), (None, 401)])
def test_petition_notice_follows_the_petition_scope(county, username, status_code):
    petition = not_accepted_petition(county)
    user = getattr(county, username) if username else None

    response = download(APIClient(), f"/api/v1/petitions/{petition.pk}/documents/not_accepted.pdf", user)

    assert response.status_code == status_code


def test_petition_notice_not_available_is_404(county):
    petition = not_accepted_petition(county)

    response = download(APIClient(), f"/api/v1/petitions/{petition.pk}/documents/not_accepted_again.pdf", county.handler_a)

    assert response.status_code == 404


def test_every_document_keeps_its_seal_and_date_together_even_on_a_full_page(county):
    """The re-examination of a concluded case fills its first page: the closing, the seal and the
    date move on together, and the date is not lost."""
    case = make_case(county, state="concluded")
    today = chinese(timezone.localdate())

    for kind in documents.available_documents(case):
        pdf = documents.case_document_pdf(case=case, kind=kind)[1]
        last_page = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text().replace(" ", "").replace("\n", "")
        issued_on = chinese(case.accepted_on) if kind == "acceptance" else today
        assert f"（印章）{issued_on}" in last_page, kind


def test_extension_notice_prints_a_reason_ending_in_a_full_stop_once(county):
    """The notice reads "因<reason>，不能在规定期限内办结。": a reason typed as a sentence keeps one stop."""
    case = make_case(county, state="in_progress")
    services.extension_request(actor=county.handler_a, case=case, days=10, reason="需等待司法鉴定结论。")
    services.extension_approve(actor=county.leader_a, case=Case.objects.get(pk=case.pk))

    text = text_of(documents.case_document_pdf(case=Case.objects.get(pk=case.pk), kind="extension")[1])

    assert "因需等待司法鉴定结论，不能在规定期限内办结。" in text

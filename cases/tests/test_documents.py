"""Each document rendered to a real PDF with WeasyPrint, then opened with pypdf and read back.

Documents are rendered as the product renders them: a context of plain values through `render_pdf`.
"""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from cases import documents
from deadlines.models import DeadlineKind, DeadlinePolicy

# The extension notice reads its cap from the deadline policies.
pytestmark = pytest.mark.django_db

COMMON = {
    "issuing_unit": "某某县人力资源和社会保障局",
    "reg_no": "XF-2026-000123",
    "petitioner_names": ["张三"],
    "issued_on": date(2026, 11, 28),
}
OPINION = {
    "matter": "某建筑公司拖欠工资",
    "opinion": "support",
    "opinion_detail": (
        "经查，张三于2026年3月至6月在某建筑公司务工。\n该公司尚欠其工资18000元，有考勤记录和工资条为证。\n"
        "责令该公司于2026年12月15日前足额支付所欠工资。"
    ),
    "legal_basis": "《保障农民工工资支付条例》第十五条",
}

# kind → (context class, its arguments beyond COMMON, sentences the document must contain)
DOCUMENTS = {
    "acceptance": (
        documents.AcceptanceNotice,
        {
            "matter": "某建筑公司拖欠工资",
            "received_on": date(2026, 11, 2),
            "accepted_on": date(2026, 11, 10),
            "reply_due_on": date(2027, 1, 11),
        },
        ["信访事项受理告知书", "某建筑公司拖欠工资", "2026年11月10日", "60日", "2027年1月11日"],
    ),
    "not_accepted": (
        documents.NotAcceptedNotice,
        {
            "matter": "劳动合同解除争议",
            "received_on": date(2026, 11, 2),
            "reason": "该事项属于劳动争议，依法应当通过劳动仲裁程序解决",
            "legal_basis": "《信访工作条例》第三十一条第二项",
            "proper_channel": "向县劳动人事争议仲裁委员会申请仲裁",
        },
        ["不予受理告知书", "第三十一条第二项", "不予受理", "县劳动人事争议仲裁委员会申请仲裁"],
    ),
    "not_accepted_again": (
        documents.NotAcceptedAgainNotice,
        {
            "matter": "征地补偿标准",
            "received_on": date(2026, 11, 2),
            "reexamination_unit": "某某市人民政府",
            "reexamination_on": date(2026, 5, 20),
        },
        ["不再受理告知书", "某某市人民政府", "2026年5月20日", "复核意见", "终结", "第三十六条"],
    ),
    "extension": (
        documents.ExtensionNotice,
        {
            "matter": "某建筑公司拖欠工资",
            "accepting_unit": "某某县人力资源和社会保障局",
            "accepted_on": date(2026, 11, 10),
            "approving_unit": "某某县人力资源和社会保障局",
            "reason": "涉及多个用工主体，需进一步调查核实",
            "extra_days": 30,
            "new_due_on": date(2027, 2, 10),
        },
        ["延期办理告知书", "本机关于2026年11月10日受理", "需进一步调查核实", "经本机关负责人批准", "延长30日", "2027年2月10日"],
    ),
    "reply": (
        documents.Reply,
        {
            **OPINION,
            "received_on": date(2026, 11, 2),
            "channel": "来访",
            "accepted_on": date(2026, 11, 10),
            "review_body": "某某县人民政府",
        },
        ["信访事项处理意见书", "以来访方式", "调查核实情况", "18000元", "予以支持", "第十五条", "30日内", "某某县人民政府", "复查"],
    ),
    "review": (
        documents.ReviewOpinion,
        {
            **OPINION,
            "issuing_unit": "某某县人民政府",
            "opinion": "not_support",
            "original_unit": "某某县人力资源和社会保障局",
            "original_on": date(2026, 9, 1),
            "requested_on": date(2026, 9, 20),
            "reexamination_body": "某某市人民政府",
        },
        ["信访事项复查意见书", "请求复查", "不予支持", "30日内", "某某市人民政府", "复核"],
    ),
    "reexamination": (
        documents.ReexaminationOpinion,
        {
            **OPINION,
            "issuing_unit": "某某市人民政府",
            "opinion": "explain",
            "review_unit": "某某县人民政府",
            "review_on": date(2026, 10, 10),
            "requested_on": date(2026, 10, 25),
        },
        ["信访事项复核意见书", "请求复核", "解释说明", "终结", "不再受理"],
    ),
}


def render(kind: str, **overrides) -> PdfReader:
    context_class, arguments, _ = DOCUMENTS[kind]
    pdf = documents.render_pdf(kind, context_class(**{**COMMON, **arguments, **overrides}))
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_document_says_what_counties_write(kind):
    text = text_of(render(kind))

    issuing_unit = {**COMMON, **DOCUMENTS[kind][1]}["issuing_unit"]
    for expected in [issuing_unit, "〔2026〕第XF-2026-000123号", "张三：", "2026年11月28日", "（印章）", *DOCUMENTS[kind][2]]:
        assert expected in text, f"{kind}: {expected!r} missing"


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_document_is_a4_with_an_embedded_chinese_font(kind):
    reader = render(kind)

    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.3) < 1
        assert abs(float(page.mediabox.height) - 841.9) < 1
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("CJK" in name or "Noto" in name for name in fonts), fonts


def test_an_extension_notice_names_the_unit_that_accepted_and_the_one_whose_head_approved():
    """Issued by the lead unit; a matter another unit accepted, or an extension a head of another unit
    approved (before Art. 34 was enforced), is said as it was."""
    text = text_of(render("extension", accepting_unit="某某镇人民政府", approving_unit="某某县人民政府"))

    assert "某某镇人民政府于2026年11月10日受理" in text
    assert "经某某县人民政府负责人批准" in text
    assert "本机关负责人" not in text


def test_a_draft_says_so_and_carries_no_seal_or_date():
    reader = render("reply", draft=True)
    text = text_of(reader)

    assert "信访事项处理意见书（草稿）" in text
    assert "草稿，未经批准，不得印发或送达" in text
    assert "（印章）" not in text and "2026年11月28日" not in text
    assert all("草稿" in page.extract_text() for page in reader.pages)


def test_several_petitioners_are_addressed_together():
    text = text_of(render("acceptance", petitioner_names=["张三", "李四"]))

    assert "张三、李四：" in text
    assert "你们于2026年11月2日" in text


def test_free_text_is_escaped_not_interpreted():
    text = text_of(render("reply", opinion_detail="<b>工资条</b> & 考勤记录"))

    assert "<b>工资条</b>&考勤记录" in text


def test_a_long_reply_flows_onto_numbered_pages():
    reader = render("reply", opinion_detail="\n".join(["经查，该公司尚欠其工资18000元，有考勤记录和工资条为证。" * 3] * 12))

    assert len(reader.pages) >= 2
    assert "—2—" in text_of(reader)


def test_kind_must_match_its_context():
    context = documents.AcceptanceNotice(
        **COMMON, matter="某事", received_on=date(2026, 11, 2), accepted_on=date(2026, 11, 10), reply_due_on=date(2027, 1, 11)
    )

    with pytest.raises(ValueError, match="No document"):
        documents.render_pdf("reply", context)


@pytest.mark.parametrize(
    ("kind", "overrides", "message"),
    [
        ("reply", {"opinion": "maybe"}, "opinion must be one of"),
        ("extension", {"extra_days": 31}, "1 to 30 days"),  # the `extension` policy's days, 30 unless changed
        ("extension", {"extra_days": 0}, "1 to 30 days"),
        ("acceptance", {"petitioner_names": []}, "at least one petitioner"),
    ],
)
def test_bad_values_are_refused(kind, overrides, message):
    with pytest.raises(ValueError, match=message):
        render(kind, **overrides)


def test_network_urls_are_not_fetched(monkeypatch):
    """An intranet server must not call out, even if a county's template links an outside image."""
    requested = []
    monkeypatch.setattr("urllib.request.OpenerDirector.open", lambda self, url, *args, **kwargs: requested.append(url))

    documents.HTML(
        string='<img src="https://example.com/logo.png">', base_url=str(documents.TEMPLATE_DIR), url_fetcher=documents.url_fetcher
    ).write_pdf()

    assert requested == []


def test_the_extension_notice_follows_the_extension_policy_cap():
    """An administrator who raises the cap raises it for the notice too (it used to refuse > 30 days)."""
    DeadlinePolicy.objects.filter(kind=DeadlineKind.EXTENSION).update(days=45)

    assert "延长45日" in text_of(render("extension", extra_days=45))
    with pytest.raises(ValueError, match="1 to 45 days"):
        render("extension", extra_days=46)

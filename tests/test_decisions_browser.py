"""Issue 12's decisions in a real browser: the lead official previews the draft reply and sends it
back with a reason; the team sees why and the next step; a petition on a concluded matter is
judged by a person at the decision panel; the counter shows the concluded matter as concluded.

Screenshots are left in SCREENS to be looked at.
"""

from datetime import timedelta

from django.utils import timezone, translation

from accounts.tests.factories import PASSWORD
from cases.models import Case, CaseAction, CaseStatus, ReplyStatus
from cases.tests.factories import make_case
from petitions import services as petition_services
from petitions.models import Petition, Status
from petitions.tests.factories import make_id_number, make_petition
from tests.browser import BROWSER_TEST_MARKS, SCREENS

pytestmark = BROWSER_TEST_MARKS


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def zh(text) -> str:
    """The page's Chinese for an English source string (or a lazy label)."""
    with translation.override("zh-hans"):
        return translation.gettext(str(text))


def test_lead_official_previews_the_draft_and_sends_the_reply_back(page, live_server, county):
    case = make_case(county, state="reply_drafted")
    log_in(page, live_server, "leader_a")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    # The next step says who acts: the lead official, by name.
    next_step = page.locator("#next-step").inner_text()
    assert zh("Approve the reply or send it back") in next_step
    assert "leader_a" in next_step

    # The draft opens as a PDF (fetched with the browser's own session).
    preview = page.locator("#reply_approve-document")
    response = page.request.get(live_server.url + preview.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    page.screenshot(path=str(SCREENS / "case-reply-drafted.png"), full_page=True)

    # Send it back: the reason is required.
    page.locator("#action-reply_reject summary").click()
    page.fill("#id_reply_reject_reason", "法律依据引用不准确，请核对后重新起草")
    page.locator("#reply_reject-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("#case-status").inner_text() == zh(CaseStatus.IN_PROGRESS.label)
    assert zh(CaseAction.REPLY_REJECT.label) in page.locator("#timeline").inner_text()
    page.screenshot(path=str(SCREENS / "case-reply-sent-back.png"), full_page=True)

    case = Case.objects.get(pk=case.pk)
    assert case.reply.status == ReplyStatus.RETURNED
    assert case.reply.returned_reason == "法律依据引用不准确，请核对后重新起草"

    # The handler sees why, in the reply form that starts from the returned draft.
    page.context.clear_cookies()  # logged out
    log_in(page, live_server, "handler_a")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "法律依据引用不准确" in page.locator("#action-reply_draft .form-notice").inner_text()
    assert zh("Revise the reply that was sent back") in page.locator("#next-step").inner_text()
    page.screenshot(path=str(SCREENS / "case-reply-returned-handler.png"), full_page=True)


def test_a_petition_on_a_concluded_matter_is_judged_by_a_person(page, live_server, county):
    id_number = make_id_number(412)
    concluded = make_case(county, state="concluded", id_number=id_number)
    petition = make_petition(
        actor=county.clerk_a, locality=county.township_a, id_number=id_number, received_at=timezone.now() - timedelta(hours=2)
    )
    petition = petition_services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_a, mode="transfer")

    log_in(page, live_server, "handler_a")
    page.goto(f"{live_server.url}/petitions/{petition.pk}/")
    page.screenshot(path=str(SCREENS / "petition-decision-panel.png"), full_page=True)

    # Accepting asks first, then stops at the concluded case.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#decision-form input[value=accept]").check()
    page.locator("#decision-form button[type=submit]").click()
    page.wait_for_load_state()
    panel = page.locator("#concluded-matter").inner_text()
    assert concluded.number in panel
    page.screenshot(path=str(SCREENS / "petition-concluded-matter.png"), full_page=True)
    assert Petition.objects.get(pk=petition.pk).status == Status.ROUTED  # nothing decided yet

    # The person judges: the same facts and reasons, so not accepted again, citing the case.
    page.locator("#concluded-form input[value=not_accept_again]").check()
    page.fill("#concluded-form textarea[name=reason]", "与已终结事项事实和理由相同")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#concluded-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/petitions/{petition.pk}/")
    assert Petition.objects.get(pk=petition.pk).status == Status.NOT_ACCEPTED_AGAIN
    page.screenshot(path=str(SCREENS / "petition-not-accepted-again.png"), full_page=True)

    # At the counter, the look-up shows the matter as concluded, with its case.
    page.context.clear_cookies()  # logged out
    log_in(page, live_server, "clerk_a")
    page.goto(f"{live_server.url}/petitions/new/")
    page.fill("input[name=petitioners-0-id_number]", id_number)
    page.keyboard.press("Tab")
    card = page.locator("#petitioners-0-lookup .lookup-card")
    card.wait_for()
    assert concluded.number in card.inner_text()
    assert "终结" in card.inner_text()
    page.screenshot(path=str(SCREENS / "counter-concluded-matter.png"), full_page=True)

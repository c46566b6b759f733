"""A clerk logs in and registers a group visit in a real browser, keyboard first.

Playwright drives Debian's Chromium through its executable path (Playwright's own browser
download is not available on these machines).
"""

import re
import time
from datetime import timedelta

from django.utils import timezone

from accounts.tests.factories import PASSWORD
from petitions.models import Petition, PetitionPetitioner
from petitions.tests.factories import make_id_number, make_petition
from tests.browser import BROWSER_TEST_MARKS, SCREENS

pytestmark = BROWSER_TEST_MARKS


def test_clerk_registers_a_group_visit_with_the_keyboard(page, live_server, county):
    known_id = make_id_number(301)
    # An earlier petition by the first person, on another matter: shown on look-up, not a repeat.
    earlier = make_petition(
        actor=county.clerk_a,
        locality=county.township_a,
        id_number=known_id,
        name="刘德明",
        category_code="01",
        received_at=timezone.now() - timedelta(days=20),
    )

    # Log in through the login page: the username field has the focus.
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.type("clerk_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert "城关镇" in page.locator("[data-testid=current-user]").inner_text()

    # The start page focuses the big register button.
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/petitions/new/")
    started = time.monotonic()
    assert page.evaluate("document.activeElement.name") == "channel"

    # Channel is "visit" and the received time "now" by default: tab past them to the first petitioner.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "petitioners-0-id_number"
    page.keyboard.type(known_id)
    page.keyboard.press("Tab")  # change → htmx look-up
    card = page.locator("#petitioners-0-lookup .lookup-card")
    card.wait_for()
    assert earlier.reg_no in card.inner_text()
    # The known person's name is filled in.
    assert page.input_value("#id_petitioners-0-name") == "刘德明"
    page.keyboard.press("Tab")  # phone
    page.keyboard.type("13912345678")
    page.keyboard.press("Tab")  # address
    page.keyboard.type("城关镇东街12号")
    page.keyboard.press("Tab")  # township
    page.keyboard.press("Tab")  # representative
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # "add petitioner"
    assert page.evaluate("document.activeElement.id") == "add-petitioner"
    page.keyboard.press("Enter")

    # Second petitioner: a mistyped ID number is flagged at once, then corrected.
    assert page.evaluate("document.activeElement.name") == "petitioners-1-id_number"
    second_id = make_id_number(302)
    wrong = second_id[:17] + ("1" if second_id[17] != "1" else "2")
    page.keyboard.type(wrong)
    page.keyboard.press("Tab")
    error = page.locator("#petitioners-1-lookup .lookup-error")
    error.wait_for()
    assert page.locator("#id_petitioners-1-id_number.is-invalid").count() == 1
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(second_id)
    page.keyboard.press("Tab")
    page.locator("#petitioners-1-lookup .lookup-new").wait_for()
    assert page.locator("#id_petitioners-1-id_number.is-invalid").count() == 0
    page.keyboard.type("陈秀英")
    for _ in range(4):  # phone, address, township, representative
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # add a third row

    # Third petitioner: no ID card, name and phone only.
    page.keyboard.press("Tab")  # past the ID number
    page.keyboard.type("王建国")
    page.keyboard.press("Tab")
    page.keyboard.type("13700001111")
    for _ in range(4):  # address, township, representative, "add petitioner"
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "headcount"
    page.keyboard.type("30")
    page.keyboard.press("Tab")  # category: type its code
    page.keyboard.type("07")
    page.keyboard.press("Tab")  # purpose: complaint by default
    page.keyboard.press("Tab")  # locality: the clerk's township by default
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "summary"
    page.keyboard.type("某建筑公司拖欠农民工工资")
    assert page.locator("#id_category option:checked").inner_text().startswith("07")
    page.screenshot(path=str(SCREENS / "register-form.png"), full_page=True)

    page.keyboard.press("Enter")  # Enter saves
    page.wait_for_url(re.compile(r"/petitions/\d+/$"))
    elapsed = time.monotonic() - started

    petition = Petition.objects.get(summary="某建筑公司拖欠农民工工资")
    assert page.locator("#reg-no").inner_text() == petition.reg_no
    assert petition.reg_no in page.locator(".alert-success").inner_text()
    assert (petition.is_group, petition.headcount, petition.channel) == (True, 30, "visit")
    assert petition.category.code == "07"
    assert petition.locality == county.township_a
    assert PetitionPetitioner.objects.filter(petition=petition, is_representative=True).count() == 2
    assert sorted(petition.petitioners.values_list("name", flat=True)) == sorted(["刘德明", "陈秀英", "王建国"])
    assert petition.is_repeat is False
    # Personal data stays masked on the page and out of the address bar.
    html = page.content()
    assert known_id not in html and second_id not in html and known_id not in page.url
    page.screenshot(path=str(SCREENS / "petition-page.png"), full_page=True)

    # The logged reveal swaps in the full values for one petitioner.
    page.locator("#petitioners tr", has_text="刘德明").get_by_role("button").click()
    page.locator(".revealed-id").wait_for()
    assert page.locator(".revealed-id").inner_text() == known_id

    # The start page and the list show it.
    page.goto(f"{live_server.url}/")
    assert petition.reg_no in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENS / "home.png"), full_page=True)
    page.goto(f"{live_server.url}/petitions/?search={petition.reg_no}")
    assert page.locator(".table-petitions tbody tr").count() == 1
    page.screenshot(path=str(SCREENS / "petition-list.png"), full_page=True)
    print(f"keyboard registration took {elapsed:.1f} s of browser time")


def test_leader_approves_a_plan_from_the_start_page(page, live_server, county):
    from django.utils import translation

    from cases.models import Case, CaseAction, CaseStatus
    from cases.tests.factories import make_case

    case = make_case(county, state="plan_submitted")
    reg_no = case.petition_links.get().petition.reg_no

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "leader_a")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # The start page shows what awaits the leader, and the navbar counts it.
    inbox = page.locator("#home-approvals")
    assert reg_no in inbox.inner_text()
    assert page.locator("#nav-approvals .badge").inner_text() == "1"
    page.screenshot(path=str(SCREENS / "leader-home.png"), full_page=True)
    page.locator("#nav-approvals").click()
    page.wait_for_url(f"{live_server.url}/cases/approvals/")
    assert page.locator(".table-approvals tbody tr").count() == 1
    page.screenshot(path=str(SCREENS / "approvals.png"), full_page=True)

    page.get_by_role("link", name=reg_no).click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert "走访核实，协调发放" in page.locator("#case-plans").inner_text()
    page.screenshot(path=str(SCREENS / "case-plan-submitted.png"), full_page=True)

    page.locator("#plan_approve-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    with translation.override("zh-hans"):
        in_progress = str(CaseStatus.IN_PROGRESS.label)
        approved = str(CaseAction.PLAN_APPROVE.label)
    assert page.locator("#case-status").inner_text() == in_progress
    assert page.locator(".alert-success").count() == 1
    assert approved in page.locator("#timeline .event-plan_approve").inner_text()
    assert page.locator("#plan_approve-form").count() == 0  # nothing left to approve
    page.screenshot(path=str(SCREENS / "case-in-progress.png"), full_page=True)

    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.plans.get().status == "approved" and case.plans.get().decided_by == county.leader_a
    assert case.events.filter(action=CaseAction.PLAN_APPROVE, actor=county.leader_a).count() == 1

"""Intake pages: every page and action as the allowed role, a refused role, another unit and anonymous.

Refused requests must change nothing, so each of them compares `db_state()` before and after.
"""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD, make_user
from deadlines.models import CalendarYear
from petitions.models import Attachment, PersonalDataReveal, Petition, PetitionPetitioner, Status
from petitions.tests.factories import category, make_id_number, make_petition

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"0" * 200


@pytest.fixture(autouse=True)
def english_and_private_media(settings, tmp_path):
    """English UI so assertions can read messages; attachments written under a temporary directory."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def petition_a(county):
    """Registered by the township A clerk, about township A."""
    return make_petition(actor=county.clerk_a, locality=county.township_a, id_number=make_id_number(501), name="李四")


def login(client, user):
    client.force_login(user)
    return client


def received_text(delta=timedelta(minutes=30)) -> str:
    return timezone.localtime(timezone.now() - delta).strftime("%Y-%m-%d %H:%M")


def registration_data(county, *, people=None, **overrides) -> dict:
    """A valid registration POST: one petitioner unless `people` (dicts of row fields) says otherwise."""
    people = people if people is not None else [{"id_number": make_id_number(), "name": "王五", "phone": "13912345678"}]
    data = {
        "channel": "visit",
        "received_at": received_text(),
        "headcount": "",
        "category": category("08").pk,
        "purpose": "complaint",
        "locality": county.township_a.pk,
        "summary": "拆迁补偿未到位",
        "content": "",
        "petitioners-TOTAL_FORMS": str(len(people)),
        "petitioners-INITIAL_FORMS": "0",
        "petitioners-MIN_NUM_FORMS": "1",
        "petitioners-MAX_NUM_FORMS": "50",
    }
    for index, person in enumerate(people):
        for key, value in person.items():
            if key == "is_representative":
                if value:
                    data[f"petitioners-{index}-is_representative"] = "on"
            else:
                data[f"petitioners-{index}-{key}"] = value
    data.update(overrides)
    return data


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- login and layout -----------------------------------------------------------------------


def test_login_page_logs_in_and_lands_on_home(client, county):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="password"' in page.content

    response = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == county.clerk_a


def test_login_with_a_wrong_password_shows_an_error(client, county):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_pages_are_chinese_by_default(client, county, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = login(client, county.clerk_a).get(reverse("home"))
    assert b'<html lang="zh-hans">' in response.content


def test_navbar_shows_user_and_unit(client, county):
    response = login(client, county.clerk_a).get(reverse("home"))
    assert "城关镇" in response.content.decode()
    assert 'data-testid="current-user"' in response.content.decode()


def test_no_cdn_in_pages(client, county):
    html = login(client, county.clerk_a).get(reverse("petition-register")).content.decode()
    assert "bootstrap/css/bootstrap.min.css" in html
    assert "django_htmx/htmx-2.min.js" in html
    assert "//cdn" not in html and "https://" not in html


# --- registration form ----------------------------------------------------------------------


def test_register_form_renders_for_a_clerk(client, county):
    response = login(client, county.clerk_a).get(reverse("petition-register"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="channel"' in html and "autofocus" in html
    assert 'name="petitioners-0-id_number"' in html
    assert 'id="petitioner-empty-row"' in html
    # A township clerk's own township is the default locality.
    assert response.context["form"].initial["locality"] == county.township_a.pk


def test_register_form_refused_for_a_handler(client, county, db_state):
    login(client, county.handler_a)
    assert client.get(reverse("petition-register")).status_code == 403
    before = db_state()
    assert client.post(reverse("petition-register"), registration_data(county)).status_code == 403
    assert db_state() == before


def test_register_anonymous_redirects_and_saves_nothing(client, county, db_state):
    assert_login_redirect(client.get(reverse("petition-register")))
    before = db_state()
    assert_login_redirect(client.post(reverse("petition-register"), registration_data(county)))
    assert db_state() == before


def test_register_an_individual_visit(client, county):
    id_number = make_id_number()
    data = registration_data(
        county,
        people=[
            {"id_number": id_number, "name": "王五", "phone": "139 1234 5678", "address": "城关镇东街1号", "township": county.township_a.pk}
        ],
        skip_level="on",
        content="详细内容",
    )
    response = login(client, county.clerk_a).post(reverse("petition-register"), data)

    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("petition-detail", args=[petition.pk])
    assert (petition.channel, petition.headcount, petition.is_group, petition.skip_level) == ("visit", 1, False, True)
    assert petition.intake_unit == county.township_a
    assert petition.category == category("08")
    person = petition.petitioners.get()
    assert (person.name, person.id_number_masked, person.phone_masked) == (
        "王五",
        id_number[:6] + "********" + id_number[14:],
        "139****5678",
    )
    assert person.township == county.township_a
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert petition.reg_no in message
    assert petition.decision_due.strftime("%Y-%m-%d") in message
    # Personal data never lands in a URL.
    assert id_number not in response["Location"]


def test_register_a_group_visit_with_representatives(client, county):
    people = [
        {"id_number": make_id_number(), "name": "甲", "is_representative": True},
        {"id_number": make_id_number(), "name": "乙", "is_representative": True},
        {"name": "丙", "phone": "13700000000"},
    ]
    data = registration_data(county, people=people, headcount="30")
    response = login(client, county.clerk_a).post(reverse("petition-register"), data)

    assert response.status_code == 302
    petition = Petition.objects.get()
    assert (petition.headcount, petition.is_group) == (30, True)
    assert PetitionPetitioner.objects.filter(petition=petition, is_representative=True).count() == 2
    assert petition.petitioners.count() == 3


def test_register_ignores_blank_extra_rows(client, county):
    people = [{"id_number": make_id_number(), "name": "甲"}, {"name": "", "id_number": ""}]
    response = login(client, county.clerk_a).post(reverse("petition-register"), registration_data(county, people=people))
    assert response.status_code == 302
    assert Petition.objects.get().petitioners.count() == 1


def test_register_with_an_attachment(client, county):
    scan = SimpleUploadedFile("letter.png", PNG, content_type="application/octet-stream")
    response = login(client, county.clerk_a).post(reverse("petition-register"), registration_data(county, attachments=[scan]))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type) == ("letter.png", "image/png")


def _bad(county, **kwargs):
    return registration_data(county, **kwargs)


BAD_INPUT = {
    # name: (build POST data, where the error must show: ("form", field) | ("row", field) | ("formset", None))
    "wrong ID checksum": (
        lambda c: _bad(c, people=[{"id_number": make_id_number(7)[:17] + ("0" if make_id_number(7)[17] != "0" else "1"), "name": "甲"}]),
        ("row", "id_number"),
    ),
    "impossible birth date": (
        lambda c: _bad(c, people=[{"id_number": make_id_number(8, birth="19800230"), "name": "甲"}]),
        ("row", "id_number"),
    ),
    "birth date in the future": (
        lambda c: _bad(c, people=[{"id_number": make_id_number(9, birth="20990101"), "name": "甲"}]),
        ("row", "id_number"),
    ),
    "missing name": (lambda c: _bad(c, people=[{"id_number": make_id_number(), "name": ""}]), ("row", "name")),
    "bad phone": (lambda c: _bad(c, people=[{"name": "甲", "phone": "call me"}]), ("row", "phone")),
    "missing summary": (lambda c: _bad(c, summary=""), ("form", "summary")),
    "missing category": (lambda c: _bad(c, category=""), ("form", "category")),
    "unknown category": (lambda c: _bad(c, category="999999"), ("form", "category")),
    "missing received time": (lambda c: _bad(c, received_at=""), ("form", "received_at")),
    "received time in the future": (lambda c: _bad(c, received_at=received_text(-timedelta(hours=2))), ("form", "received_at")),
    "unknown channel": (lambda c: _bad(c, channel="pigeon"), ("form", "channel")),
    "locality not a township": (lambda c: _bad(c, locality=c.department.pk), ("form", "locality")),
    "headcount lower than petitioners": (
        lambda c: _bad(c, people=[{"name": "甲"}, {"name": "乙", "phone": "13700000001"}], headcount="1"),
        ("form", "headcount"),
    ),
    "six representatives": (
        lambda c: _bad(c, people=[{"name": f"代表{i}", "phone": f"1370000001{i}", "is_representative": True} for i in range(6)]),
        ("formset", None),
    ),
    "no petitioner": (lambda c: _bad(c, people=[{"name": ""}], **{"petitioners-TOTAL_FORMS": "0"}), ("formset", None)),
    "disguised attachment": (
        lambda c: _bad(c, attachments=[SimpleUploadedFile("photo.jpg", b"just some text, not a photo" * 10, content_type="image/jpeg")]),
        ("form", "attachments"),
    ),
    "PDF named as JPEG": (
        lambda c: _bad(c, attachments=[SimpleUploadedFile("scan.jpg", PDF, content_type="image/jpeg")]),
        ("form", "attachments"),
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_register_bad_input_shows_the_error_on_the_field_and_saves_nothing(client, county, db_state, case):
    build, (where, field) = BAD_INPUT[case]
    data = build(county)
    before = db_state()

    response = login(client, county.clerk_a).post(reverse("petition-register"), data)

    assert response.status_code == 400
    assert db_state() == before
    if where == "form":
        assert response.context["form"].errors.get(field), response.context["form"].errors
    elif where == "row":
        assert response.context["formset"].forms[0].errors.get(field), response.context["formset"].errors
    else:
        assert response.context["formset"].non_form_errors()
    assert b"Nothing has been saved" in response.content


def test_register_oversized_attachment_is_refused(client, county, db_state):
    before = db_state()
    scan = SimpleUploadedFile("letter.png", PNG, content_type="image/png")
    with override_settings(ATTACHMENT_MAX_BYTES=100):
        response = login(client, county.clerk_a).post(reverse("petition-register"), registration_data(county, attachments=[scan]))
    assert response.status_code == 400
    assert response.context["form"].errors["attachments"]
    assert db_state() == before


def test_register_by_a_clerk_without_a_unit_shows_the_services_message(client, county, db_state):
    county.clerk_a.unit = None
    county.clerk_a.save()
    before = db_state()
    response = login(client, county.clerk_a).post(reverse("petition-register"), registration_data(county))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert db_state() == before


def test_register_bad_input_keeps_what_was_typed(client, county):
    data = registration_data(county, people=[{"id_number": "110105198002300000", "name": "赵六", "address": "河边村"}], summary="水费纠纷")
    html = login(client, county.clerk_a).post(reverse("petition-register"), data).content.decode()
    assert 'value="赵六"' in html and 'value="河边村"' in html and 'value="水费纠纷"' in html


# --- repeat detection -----------------------------------------------------------------------


def test_a_likely_repeat_is_shown_before_saving_and_can_be_linked(client, county, db_state, petition_a):
    same_person = registration_data(county, people=[{"id_number": make_id_number(501), "name": "李四"}])
    login(client, county.clerk_a)
    before = db_state()

    asked = client.post(reverse("petition-register"), same_person)

    assert asked.status_code == 200
    assert asked.context["asking_repeat"] is True
    assert asked.context["candidates"] == [petition_a]
    assert f'value="{petition_a.pk}"' in asked.content.decode()
    assert db_state() == before

    linked = client.post(reverse("petition-register"), {**same_person, "repeat_choice": str(petition_a.pk)})

    assert linked.status_code == 302
    new = Petition.objects.exclude(pk=petition_a.pk).get()
    assert (new.is_repeat, new.repeat_of) == (True, petition_a)


def test_a_likely_repeat_can_be_registered_as_new(client, county, petition_a):
    same_person = registration_data(county, people=[{"id_number": make_id_number(501), "name": "李四"}], repeat_choice="none")
    assert login(client, county.clerk_a).post(reverse("petition-register"), same_person).status_code == 302
    new = Petition.objects.exclude(pk=petition_a.pk).get()
    assert (new.is_repeat, new.repeat_of) == (False, None)


def test_a_repeat_choice_that_is_not_a_candidate_asks_again(client, county, db_state, petition_a):
    unrelated = make_petition(actor=county.clerk_a, locality=county.township_a, category_code="01")
    data = registration_data(county, people=[{"id_number": make_id_number(501), "name": "李四"}], repeat_choice=str(unrelated.pk))
    before = db_state()
    response = login(client, county.clerk_a).post(reverse("petition-register"), data)
    assert response.status_code == 200
    assert response.context["candidates"] == [petition_a]
    assert db_state() == before


def test_a_different_matter_is_not_a_repeat(client, county, petition_a):
    other_matter = registration_data(county, people=[{"id_number": make_id_number(501), "name": "李四"}], category=category("01").pk)
    assert login(client, county.clerk_a).post(reverse("petition-register"), other_matter).status_code == 302
    assert Petition.objects.exclude(pk=petition_a.pk).get().is_repeat is False


# --- ID number look-up (htmx partial) -------------------------------------------------------


def lookup(client, id_number, prefix="petitioners-0"):
    return client.post(reverse("petitioner-lookup"), {"prefix": prefix, f"{prefix}-id_number": id_number}, HTTP_HX_REQUEST="true")


def test_lookup_shows_a_known_person_and_their_earlier_petitions(client, county, petition_a):
    response = lookup(login(client, county.clerk_a), make_id_number(501))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李四" in html and "138****8000" in html
    assert petition_a.reg_no in html
    assert reverse("petition-detail", args=[petition_a.pk]) in html
    assert make_id_number(501) not in html
    assert "13800138000" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_lookup_shows_the_validation_error_at_once(client, county):
    bad = make_id_number(11)[:17] + ("0" if make_id_number(11)[17] != "0" else "1")
    response = lookup(login(client, county.clerk_a), bad)
    assert response.status_code == 200
    assert b"lookup-error" in response.content
    assert b"check digit" in response.content


def test_lookup_of_a_new_person(client, county):
    response = lookup(login(client, county.clerk_a), make_id_number(12))
    assert b"lookup-new" in response.content


def test_lookup_does_not_link_petitions_outside_the_users_scope(client, county, petition_a):
    response = lookup(login(client, county.clerk_b), make_id_number(501))
    html = response.content.decode()
    assert petition_a.reg_no in html
    assert reverse("petition-detail", args=[petition_a.pk]) not in html


def test_lookup_refused_for_a_handler_and_anonymous(client, county, petition_a, db_state):
    before = db_state()
    assert_login_redirect(lookup(client, make_id_number(501)))
    assert lookup(login(client, county.handler_a), make_id_number(501)).status_code == 403
    assert db_state() == before


def test_lookup_rejects_a_strange_prefix(client, county):
    assert lookup(login(client, county.clerk_a), make_id_number(13), prefix="x").status_code == 400


def test_lookup_needs_post_so_the_number_stays_out_of_urls(client, county):
    response = login(client, county.clerk_a).get(reverse("petitioner-lookup"))
    assert response.status_code == 405


# --- petition list --------------------------------------------------------------------------


def test_list_anonymous_redirects(client):
    assert_login_redirect(client.get(reverse("petition-list")))


def test_list_shows_only_petitions_in_scope(client, county, petition_a):
    other = make_petition(actor=county.clerk_b, locality=county.township_b)
    response = login(client, county.clerk_a).get(reverse("petition-list"))
    assert list(response.context["page"].object_list) == [petition_a]
    assert other.reg_no not in response.content.decode()
    supervisor_view = login(client, county.supervisor).get(reverse("petition-list"))
    assert {p.pk for p in supervisor_view.context["page"].object_list} == {petition_a.pk, other.pk}


def test_list_filters_and_searches(client, county, petition_a):
    filed = make_petition(actor=county.clerk_a, locality=county.township_a, summary="噪音扰民")
    Petition.objects.filter(pk=filed.pk).update(status=Status.FILED)
    login(client, county.clerk_a)

    by_status = client.get(reverse("petition-list"), {"status": "filed"})
    by_number = client.get(reverse("petition-list"), {"search": petition_a.reg_no.lower()})
    by_words = client.get(reverse("petition-list"), {"search": "噪音"})
    by_name = client.get(reverse("petition-list"), {"search": "李四"})

    assert list(by_status.context["page"].object_list) == [filed]
    assert list(by_number.context["page"].object_list) == [petition_a]
    assert list(by_words.context["page"].object_list) == [filed]
    assert list(by_name.context["page"].object_list) == [petition_a]


@pytest.fixture
def many_petitions(county):
    """55 petitions of township A; 5 of them routed back to township A itself, for the `unit` filter."""
    base = timezone.now() - timedelta(days=1)
    petitions = [
        make_petition(actor=county.clerk_a, locality=county.township_a, received_at=base - timedelta(minutes=i), name=f"人{i}")
        for i in range(55)
    ]
    Petition.objects.filter(pk__in=[p.pk for p in petitions[:5]]).update(status=Status.ROUTED, unit=county.township_a)
    return petitions


def test_list_paginates_fifty_per_page(client, county, many_petitions):
    login(client, county.clerk_a)
    first = client.get(reverse("petition-list"))
    second = client.get(reverse("petition-list"), {"page": 2})
    beyond = client.get(reverse("petition-list"), {"page": 99})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert beyond.context["page"].number == 2
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page": "2"},
        {"page": "999"},
        {"status": "registered", "locality": "TOWNSHIP", "page": "2"},
        {"status": "routed", "locality": "TOWNSHIP", "category": "CATEGORY", "unit": "TOWNSHIP", "search": "拖欠", "page": "1"},
        {"is_group": "false", "received_from": "2020-01-01", "ordering": "-decision_due", "page": "2"},
    ],
)
def test_list_query_count_is_bounded_on_any_page(client, county, many_petitions, django_assert_max_num_queries, params):
    params = {key: {"TOWNSHIP": county.township_a.pk, "CATEGORY": category("08").pk}.get(value, value) for key, value in params.items()}
    login(client, county.clerk_a)
    with django_assert_max_num_queries(11):  # 10, and the navbar bell's unread count
        response = client.get(reverse("petition-list"), params)
    assert response.status_code == 200
    assert response.context["page"].object_list, "the page must show rows for the count to mean something"


def test_list_filter_form_keeps_the_chosen_values(client, county, many_petitions):
    response = login(client, county.clerk_a).get(reverse("petition-list"), {"locality": county.township_a.pk, "search": "拖欠"})
    html = response.content.decode()
    assert f'<option value="{county.township_a.pk}" selected>' in html
    assert 'value="拖欠"' in html


def test_list_says_when_a_filter_value_is_not_valid(client, county, many_petitions):
    response = login(client, county.clerk_a).get(reverse("petition-list"), {"locality": "999999"})
    assert response.status_code == 200
    assert response.context["filters_invalid"] is True
    assert not response.context["page"].object_list


# --- route ----------------------------------------------------------------------------------


def route(client, petition, **data):
    body = {"unit": data.get("unit"), "mode": data.get("mode", "assign"), "reason": data.get("reason", "按职责转送")}
    return client.post(reverse("petition-route", args=[petition.pk]), body)


def test_route_by_the_clerk(client, county, petition_a):
    response = route(login(client, county.clerk_a), petition_a, unit=county.department.pk)
    assert response.status_code == 302
    petition_a.refresh_from_db()
    assert (petition_a.status, petition_a.unit, petition_a.route_mode) == (Status.ROUTED, county.department, "assign")
    assert petition_a.events.filter(action="route").count() == 1


def test_route_refused_role_other_unit_and_anonymous_change_nothing(client, county, petition_a, db_state):
    before = db_state()
    assert route(login(client, county.handler_a), petition_a, unit=county.department.pk).status_code == 403
    assert route(login(client, county.clerk_b), petition_a, unit=county.department.pk).status_code == 404
    client.logout()
    assert_login_redirect(route(client, petition_a, unit=county.department.pk))
    assert db_state() == before


@pytest.mark.parametrize("bad", [{"unit": "999999"}, {"unit": ""}, {"mode": "teleport"}])
def test_route_bad_input_shows_errors(client, county, petition_a, db_state, bad):
    data = {"unit": county.department.pk, "mode": "transfer", "reason": "按职责转送", **bad}
    before = db_state()
    response = login(client, county.clerk_a).post(reverse("petition-route", args=[petition_a.pk]), data)
    assert response.status_code == 400
    assert response.context["route_form"].errors.get(next(iter(bad)))
    assert db_state() == before


def test_route_after_closing_is_a_conflict(client, county, petition_a, db_state):
    Petition.objects.filter(pk=petition_a.pk).update(status=Status.FILED)
    before = db_state()
    response = route(login(client, county.clerk_a), petition_a, unit=county.department.pk)
    assert response.status_code == 409
    assert "no longer possible" in str(next(iter(get_messages(response.wsgi_request))))
    assert db_state() == before


def test_route_needs_post(client, county, petition_a):
    assert login(client, county.clerk_a).get(reverse("petition-route", args=[petition_a.pk])).status_code == 405


# --- attachments ----------------------------------------------------------------------------


def upload(client, petition, *files):
    return client.post(reverse("attachment-upload", args=[petition.pk]), {"files": list(files)})


def test_upload_and_download_an_attachment(client, county, petition_a):
    login(client, county.clerk_a)
    response = upload(client, petition_a, SimpleUploadedFile("信件.pdf", PDF, content_type="application/pdf"))
    assert response.status_code == 302
    attachment = Attachment.objects.get(petition=petition_a)
    assert petition_a.events.filter(action="attach_file").exists()

    download = client.get(reverse("attachment-download", args=[attachment.pk]))

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF
    detail = client.get(reverse("petition-detail", args=[petition_a.pk]))
    assert reverse("attachment-download", args=[attachment.pk]) in detail.content.decode()


def test_upload_refused_role_other_unit_and_anonymous_change_nothing(client, county, petition_a, db_state):
    before = db_state()
    assert upload(login(client, county.leader_a), petition_a, SimpleUploadedFile("a.png", PNG)).status_code == 403
    assert upload(login(client, county.clerk_b), petition_a, SimpleUploadedFile("a.png", PNG)).status_code == 404
    client.logout()
    assert_login_redirect(upload(client, petition_a, SimpleUploadedFile("a.png", PNG)))
    assert db_state() == before


def test_upload_of_a_disguised_file_saves_none_of_the_batch(client, county, petition_a, db_state):
    before = db_state()
    response = upload(
        login(client, county.clerk_a),
        petition_a,
        SimpleUploadedFile("good.png", PNG),
        SimpleUploadedFile("bad.jpg", b"MZ this is not a photo" * 20),
    )
    assert response.status_code == 400
    assert response.context["attachment_form"].errors["files"]
    assert db_state() == before


def test_upload_oversized_is_refused(client, county, petition_a, db_state):
    before = db_state()
    with override_settings(ATTACHMENT_MAX_BYTES=100):
        response = upload(login(client, county.clerk_a), petition_a, SimpleUploadedFile("big.png", PNG))
    assert response.status_code == 400
    assert db_state() == before


def test_download_other_unit_and_anonymous(client, county, petition_a):
    attachment = Attachment.objects.create(
        petition=petition_a,
        file=SimpleUploadedFile("x.png", PNG),
        original_name="x.png",
        content_type="image/png",
        size=len(PNG),
        uploaded_by=county.clerk_a,
    )
    url = reverse("attachment-download", args=[attachment.pk])
    assert login(client, county.clerk_b).get(url).status_code == 404
    assert login(client, county.supervisor).get(url).status_code == 200
    client.logout()
    assert_login_redirect(client.get(url))


# --- reveal ---------------------------------------------------------------------------------


def reveal(client, petitioner, **headers):
    return client.post(reverse("petitioner-reveal", args=[petitioner.pk]), {"petition": ""}, **headers)


def test_reveal_shows_the_full_values_and_is_logged(client, county, petition_a):
    person = petition_a.petitioners.get()
    response = reveal(login(client, county.clerk_a), person, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert make_id_number(501) in html and "13800138000" in html
    assert "<html" not in html  # the htmx partial, not a page
    assert PersonalDataReveal.objects.filter(petitioner=person, user=county.clerk_a).count() == 1
    assert "no-store" in response["Cache-Control"]


def test_reveal_without_htmx_renders_a_page(client, county, petition_a):
    response = reveal(login(client, county.clerk_a), petition_a.petitioners.get())
    assert b"<html" in response.content and make_id_number(501).encode() in response.content


def test_reveal_refused_role_other_unit_and_anonymous_change_nothing(client, county, petition_a, db_state):
    person = petition_a.petitioners.get()
    before = db_state()
    assert reveal(login(client, county.admin), person).status_code == 403
    assert reveal(login(client, county.clerk_b), person).status_code == 404
    client.logout()
    assert_login_redirect(reveal(client, person))
    assert db_state() == before


def test_reveal_needs_post(client, county, petition_a):
    assert login(client, county.clerk_a).get(reverse("petitioner-reveal", args=[petition_a.petitioners.get().pk])).status_code == 405


# The warning to administrators about a holiday schedule not yet entered.


def test_administrators_are_warned_of_a_year_not_entered_and_others_are_not(client, county):
    CalendarYear.objects.filter(year=2027).delete()
    staff = make_user(unit=county.bureau, roles=["admin"], username="staff_admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 12, 1, 2, 0, tzinfo=UTC)):
        for user, warned in [(county.admin, True), (staff, True), (county.clerk_a, False), (county.supervisor, False)]:
            login(client, user)
            page = client.get(reverse("home")).content.decode()
            assert ('id="calendar-warning"' in page) is warned, user.username
            assert ("2027" in page) is warned, user.username
        login(client, staff)
        admin_index = client.get(reverse("admin:index")).content.decode()
        assert 'id="calendar-warning"' in admin_index and reverse("admin:deadlines_calendarday_changelist") in admin_index
        CalendarYear.objects.create(year=2027, complete=True)
        assert 'id="calendar-warning"' not in client.get(reverse("home")).content.decode()

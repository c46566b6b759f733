"""API: petitions (register, list, detail, route, decide, file, attachments), reveal, schema and docs."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from petitions import services
from petitions.models import PersonalDataReveal, Petition, PetitionEvent, Status
from petitions.tests.factories import category, make_id_number, make_petition

# The smallest byte strings the content check recognises as these types.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n" + b"0" * 64

CONTRACT_FIELDS = {
    "id",
    "reg_no",
    "channel",
    "received_at",
    "status",
    "petitioners",
    "headcount",
    "is_group",
    "category",
    "purpose",
    "locality",
    "summary",
    "content",
    "is_repeat",
    "repeat_of",
    "unit",
    "decision_due",
    "case",
    "query_code",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def petition(county):
    """Registered by clerk_a in township A: township A's to act on, township B's to never see."""
    return make_petition(actor=county.clerk_a, locality=county.township_a, id_number=make_id_number())


def png(name="scan.png", content=PNG_BYTES):
    return SimpleUploadedFile(name, content, content_type="image/png")


def register_body(county, **overrides):
    body = {
        "channel": "visit",
        "received_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "petitioners": [{"name": "李四", "id_number": make_id_number(), "phone": "13912345678", "address": "城关镇人民路1号"}],
        "category": category("08").pk,
        "purpose": "complaint",
        "locality": county.township_a.pk,
        "summary": "工程款拖欠",
        "content": "二〇二五年承建村道，尚欠工程款。",
    }
    body.update(overrides)
    return body


def people(count, *, first_serial=500):
    return [{"name": f"信访人{index}", "id_number": make_id_number(first_serial + index)} for index in range(count)]


# The permission quartet for every endpoint: allowed role, refused role (403), a user of the
# other township (404), anonymous (401); refused requests must leave the database as it was.


@dataclass
class Endpoint:
    name: str
    method: str
    url: Callable[[Any, Petition], str]
    allowed: str
    allowed_status: int
    refused: str | None
    other_unit: str | None
    body: Callable[[Any, Petition], dict] = lambda county, petition: {}
    multipart: bool = False


def _attachment_url(county, petition):
    attachment = services.attachment_add(actor=county.clerk_a, petition=petition, upload=png())
    return f"/api/v1/petitions/{petition.pk}/attachments/{attachment.pk}/"


def _petitioner_id(petition):
    return petition.petitioners.get().pk


ENDPOINTS = [
    Endpoint("register", "post", lambda c, p: "/api/v1/petitions/", "clerk_a", 201, "handler_a", None, lambda c, p: register_body(c)),
    Endpoint("list", "get", lambda c, p: "/api/v1/petitions/", "clerk_a", 200, None, None),
    Endpoint("categories", "get", lambda c, p: "/api/v1/categories/", "clerk_a", 200, None, None),
    Endpoint("detail", "get", lambda c, p: f"/api/v1/petitions/{p.pk}/", "leader_a", 200, None, "clerk_b"),
    Endpoint(
        "route",
        "post",
        lambda c, p: f"/api/v1/petitions/{p.pk}/route/",
        "clerk_a",
        200,
        "handler_a",
        "clerk_b",
        lambda c, p: {"unit": c.department.pk, "mode": "assign", "reason": "按职责转送"},
    ),
    Endpoint(
        "decide",
        "post",
        lambda c, p: f"/api/v1/petitions/{p.pk}/decide/",
        "handler_a",
        200,
        "leader_a",
        "handler_b",
        lambda c, p: {"decision": "not_accept", "reason": "不属于信访事项"},
    ),
    Endpoint(
        "file",
        "post",
        lambda c, p: f"/api/v1/petitions/{p.pk}/file/",
        "clerk_a",
        200,
        "leader_a",
        "clerk_b",
        lambda c, p: {"reason": "建议已转有关部门参考"},
    ),
    Endpoint(
        "attach",
        "post",
        lambda c, p: f"/api/v1/petitions/{p.pk}/attachments/",
        "clerk_a",
        201,
        "leader_a",
        "clerk_b",
        lambda c, p: {"file": png()},
        multipart=True,
    ),
    Endpoint("download", "get", _attachment_url, "leader_a", 200, None, "clerk_b"),
    Endpoint("reveal", "post", lambda c, p: f"/api/v1/petitioners/{_petitioner_id(p)}/reveal/", "clerk_a", 200, "admin", "clerk_b"),
]


def send(api, endpoint, url, county, petition, user=None):
    if user is not None:
        api.force_authenticate(getattr(county, user))
    if endpoint.method == "get":
        return api.get(url)
    body = endpoint.body(county, petition)
    return api.post(url, body, format="multipart" if endpoint.multipart else "json")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_allowed_role(api, county, petition, endpoint):
    response = send(api, endpoint, endpoint.url(county, petition), county, petition, endpoint.allowed)

    assert response.status_code == endpoint.allowed_status, response.content


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.refused], ids=lambda endpoint: endpoint.name)
def test_refused_role_gets_403_and_changes_nothing(api, county, petition, db_state, endpoint):
    url = endpoint.url(county, petition)
    before = db_state()

    response = send(api, endpoint, url, county, petition, endpoint.refused)

    assert response.status_code == 403, response.content
    assert "detail" in response.json()
    assert db_state() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.other_unit], ids=lambda endpoint: endpoint.name)
def test_other_unit_gets_404_and_changes_nothing(api, county, petition, db_state, endpoint):
    url = endpoint.url(county, petition)
    before = db_state()

    response = send(api, endpoint, url, county, petition, endpoint.other_unit)

    assert response.status_code == 404, response.content
    assert db_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_anonymous_gets_401_and_changes_nothing(api, county, petition, db_state, endpoint):
    url = endpoint.url(county, petition)
    before = db_state()

    response = send(api, endpoint, url, county, petition)

    assert response.status_code == 401, response.content
    assert db_state() == before


def test_token_authentication_works_on_writes_without_csrf(county):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=county.clerk_a).key}")

    assert client.post("/api/v1/petitions/", register_body(county), format="json").status_code == 201


def test_a_session_write_without_csrf_is_refused(county, db_state):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(county.clerk_a)
    before = db_state()

    assert client.post("/api/v1/petitions/", register_body(county), format="json").status_code == 403
    assert db_state() == before


def test_the_other_township_does_not_see_the_petition_in_its_list(api, county, petition):
    api.force_authenticate(county.clerk_b)
    assert api.get("/api/v1/petitions/").json()["count"] == 0

    api.force_authenticate(county.supervisor)
    assert [row["id"] for row in api.get("/api/v1/petitions/").json()["results"]] == [petition.pk]


# Register


def test_register_returns_the_petition_with_masked_personal_data(api, county):
    body = register_body(county, headcount=3, skip_level=True)
    id_number = body["petitioners"][0]["id_number"]
    api.force_authenticate(county.clerk_a)

    response = api.post("/api/v1/petitions/", body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert set(data) >= CONTRACT_FIELDS
    petition = Petition.objects.get()
    assert data["id"] == petition.pk
    assert re.fullmatch(r"XF-\d{4}-000001", data["reg_no"])
    assert data["status"] == "registered"
    assert data["headcount"] == 3
    assert data["is_group"] is False
    assert data["skip_level"] is True
    assert data["category"] == category("08").pk
    assert data["locality"] == county.township_a.pk
    assert data["intake_unit"] == county.township_a.pk
    assert data["unit"] is None
    assert data["case"] is None
    assert data["is_repeat"] is False
    assert data["decision_due"] == petition.decision_due.isoformat()
    assert data["received_at"].endswith("+08:00")
    assert data["query_code"] == petition.query_code
    [person] = data["petitioners"]
    assert person["name"] == "李四"
    assert person["id_number"] == f"{id_number[:6]}********{id_number[14:]}"
    assert person["phone"] == "139****5678"
    assert person["address"] == "城关镇人民路1号"
    assert id_number not in response.content.decode()
    assert "13912345678" not in response.content.decode()
    assert PetitionEvent.objects.filter(petition=petition, action="register").count() == 1


def test_register_headcount_defaults_to_the_petitioners_and_marks_representatives(api, county):
    body = register_body(county, petitioners=people(6), representatives=["信访人1", "信访人4"])
    api.force_authenticate(county.clerk_a)

    data = api.post("/api/v1/petitions/", body, format="json").json()

    assert data["headcount"] == 6
    assert data["is_group"] is True
    representatives = [person["name"] for person in data["petitioners"] if person["is_representative"]]
    assert sorted(representatives) == ["信访人1", "信访人4"]
    assert [person["is_representative"] for person in data["petitioners"]][:2] == [True, True]


def test_register_detects_a_repeat_and_can_be_told_not_to(api, county):
    id_number = make_id_number()
    first = make_petition(actor=county.clerk_a, locality=county.township_a, id_number=id_number)
    person = {"name": "张三", "id_number": id_number}
    later = timezone.now().isoformat()
    api.force_authenticate(county.clerk_a)

    repeat = api.post("/api/v1/petitions/", register_body(county, petitioners=[person], received_at=later), format="json").json()
    assert repeat["is_repeat"] is True
    assert repeat["repeat_of"] == first.pk

    body = register_body(county, petitioners=[person], received_at=later, detect_repeat=False)
    fresh = api.post("/api/v1/petitions/", body, format="json").json()
    assert fresh["is_repeat"] is False
    assert fresh["repeat_of"] is None


def test_register_links_an_explicit_repeat(api, county, petition):
    api.force_authenticate(county.clerk_a)

    body = register_body(county, repeat_of=petition.pk, category=category("01").pk)
    data = api.post("/api/v1/petitions/", body, format="json").json()

    assert data["repeat_of"] == petition.pk
    assert data["is_repeat"] is True


def _two_people_second_wrong(id_number):
    return [{"name": "甲", "id_number": make_id_number()}, {"name": "乙", "id_number": id_number}]


def _wrong_checksum():
    number = make_id_number()
    return number[:17] + ("0" if number[17] != "0" else "1")


BAD_REGISTRATIONS = {
    "wrong ID checksum": (
        lambda county: {"petitioners": _two_people_second_wrong(_wrong_checksum())},
        {"petitioners": [{}, {"id_number": ...}]},
    ),
    "impossible birth date": (
        lambda county: {"petitioners": _two_people_second_wrong(make_id_number(birth="19800230"))},
        {"petitioners": [{}, {"id_number": ...}]},
    ),
    "birth date in the future": (
        lambda county: {"petitioners": [{"name": "甲", "id_number": make_id_number(birth="20990101")}]},
        {"petitioners": [{"id_number": ...}]},
    ),
    "petitioner without a name": (lambda county: {"petitioners": [{"name": " "}]}, {"petitioners": [{"name": ...}]}),
    "bad phone": (lambda county: {"petitioners": [{"name": "甲", "phone": "call me"}]}, {"petitioners": [{"phone": ...}]}),
    "no petitioners": (lambda county: {"petitioners": []}, {"petitioners": ...}),
    "missing summary": (lambda county: {"summary": None}, {"summary": ...}),
    "blank summary": (lambda county: {"summary": "  "}, {"summary": ...}),
    "missing category": (lambda county: {"category": None}, {"category": ...}),
    "missing received_at": (lambda county: {"received_at": None}, {"received_at": ...}),
    "unknown channel": (lambda county: {"channel": "pigeon"}, {"channel": ...}),
    "unknown purpose": (lambda county: {"purpose": "gossip"}, {"purpose": ...}),
    "headcount lower than petitioners": (lambda county: {"petitioners": people(3), "headcount": 2}, {"headcount": ...}),
    "headcount zero": (lambda county: {"headcount": 0}, {"headcount": ...}),
    "more than 5 representatives": (
        lambda county: {"petitioners": people(7), "representatives": [f"信访人{index}" for index in range(6)]},
        {"representatives": ...},
    ),
    "representative not among petitioners": (lambda county: {"representatives": ["王五"]}, {"representatives": ...}),
    "received in the future": (
        lambda county: {"received_at": (timezone.now() + timedelta(hours=1)).isoformat()},
        {"received_at": ...},
    ),
    "unknown category": (lambda county: {"category": 999999}, {"category": ...}),
    "locality that is not a township": (lambda county: {"locality": county.department.pk}, {"locality": ...}),
    "unknown locality": (lambda county: {"locality": 999999}, {"locality": ...}),
    "unknown repeat_of": (lambda county: {"repeat_of": 999999}, {"repeat_of": ...}),
    "township of residence that is not a township": (
        lambda county: {"petitioners": [{"name": "甲", "township": county.bureau.pk}]},
        {"petitioners": [{"township": ...}]},
    ),
}


def _matches(shape, data):
    """`...` stands for "a non-empty list of messages"."""
    if shape is ...:
        return isinstance(data, list) and data and all(isinstance(message, str) and message for message in data)
    if isinstance(shape, dict):
        return isinstance(data, dict) and set(shape) == set(data) and all(_matches(shape[key], data[key]) for key in shape)
    return isinstance(data, list) and len(shape) == len(data) and all(_matches(s, d) for s, d in zip(shape, data, strict=True))


@pytest.mark.parametrize("case", BAD_REGISTRATIONS, ids=str)
def test_bad_registration_is_a_400_with_field_errors_and_saves_nothing(api, county, db_state, case):
    overrides, expected = BAD_REGISTRATIONS[case]
    body = {key: value for key, value in register_body(county, **overrides(county)).items() if value is not None}
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post("/api/v1/petitions/", body, format="json")

    assert response.status_code == 400, response.content
    assert _matches(expected, response.json()), response.json()
    assert db_state() == before


def test_a_petition_outside_scope_cannot_be_named_as_repeat(api, county, petition, db_state):
    api.force_authenticate(county.clerk_b)
    before = db_state()

    response = api.post("/api/v1/petitions/", register_body(county, repeat_of=petition.pk), format="json")

    assert response.status_code == 400
    assert "repeat_of" in response.json()
    assert db_state() == before


def test_a_user_without_a_unit_gets_a_detail_error(api, county, db_state):
    county.clerk_a.unit = None
    county.clerk_a.save()
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post("/api/v1/petitions/", register_body(county), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert db_state() == before


def test_personal_data_stays_out_of_the_logs(api, county, caplog):
    good = register_body(county)
    bad = register_body(county, petitioners=[{"name": "甲", "id_number": _wrong_checksum(), "phone": "13711112222"}])
    api.force_authenticate(county.clerk_a)

    with caplog.at_level("DEBUG"):
        api.post("/api/v1/petitions/", good, format="json")
        api.post("/api/v1/petitions/", bad, format="json")

    assert "Bad Request" in caplog.text  # the refused request was logged, by path only
    for secret in (good["petitioners"][0]["id_number"], "13912345678", bad["petitioners"][0]["id_number"], "13711112222"):
        assert secret not in caplog.text


# List


def test_list_filters_and_orders(api, county):
    now = timezone.now()
    older = make_petition(actor=county.clerk_a, locality=county.township_a, received_at=now - timedelta(days=3), summary="宅基地纠纷")
    newer = make_petition(actor=county.clerk_a, locality=county.township_b, received_at=now - timedelta(days=1), channel="letter")
    api.force_authenticate(county.supervisor)

    def ids(query):
        response = api.get(f"/api/v1/petitions/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [newer.pk, older.pk]
    assert ids("ordering=received_at") == [older.pk, newer.pk]
    assert ids("channel=letter") == [newer.pk]
    assert ids(f"locality={county.township_a.pk}") == [older.pk]
    assert ids("status=registered") == [newer.pk, older.pk]
    assert ids("status=routed") == []
    assert ids(f"search={older.reg_no}") == [older.pk]
    assert ids("search=宅基地") == [older.pk]
    assert ids("search=张三") == [newer.pk, older.pk]
    assert ids(f"received_from={timezone.localdate(now - timedelta(days=2)).isoformat()}") == [newer.pk]
    assert ids("is_repeat=true") == []
    assert ids("is_group=false") == [newer.pk, older.pk]
    assert ids(f"category={category('08').pk}") == [newer.pk, older.pk]
    assert ids(f"category={category('01').pk}") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("category=999999", "category"),
        ("received_from=yesterday", "received_from"),
        ("ordering=reg_no", "ordering"),
    ],
)
def test_list_with_a_bad_filter_is_a_field_error(api, county, query, field):
    api.force_authenticate(county.clerk_a)

    response = api.get(f"/api/v1/petitions/?{query}")

    assert response.status_code == 400
    assert field in response.json()


def test_list_page_size_is_capped_at_200(api, county, petition):
    api.force_authenticate(county.clerk_a)

    body = api.get("/api/v1/petitions/?page_size=100000").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1


def test_list_query_count_is_fixed_on_any_page(county, django_assert_max_num_queries):
    for index in range(60):
        persons = [
            services.petitioner_input_clean(name=f"人{index}-{n}", id_number=make_id_number(), phone="13800138000") for n in range(3)
        ]
        petition = make_petition(actor=county.clerk_a, locality=county.township_a, petitioners=persons)
        if index % 7 == 0:
            services.attachment_add(actor=county.clerk_a, petition=petition, upload=png())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=county.clerk_a).key}")
    query = f"status=registered&locality={county.township_a.pk}&page_size=50"

    for page in (1, 2):
        with django_assert_max_num_queries(10):
            response = client.get(f"/api/v1/petitions/?{query}&page={page}")
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == (50 if page == 1 else 10)
        assert all(len(row["petitioners"]) == 3 for row in results)
    assert any(row["attachments"] for row in results)


# Detail, route, decide, file


def test_detail_shows_the_petition(api, county, petition):
    api.force_authenticate(county.handler_a)

    data = api.get(f"/api/v1/petitions/{petition.pk}/").json()

    assert data["reg_no"] == petition.reg_no
    assert data["petitioners"][0]["id_number"].count("*") == 8


def test_detail_of_a_missing_petition_is_404(api, county):
    api.force_authenticate(county.supervisor)
    assert api.get("/api/v1/petitions/999999/").status_code == 404


def test_route_then_the_new_unit_sees_it(api, county, petition):
    api.force_authenticate(county.clerk_a)

    data = api.post(
        f"/api/v1/petitions/{petition.pk}/route/", {"unit": county.department.pk, "mode": "transfer", "reason": "按职责转送"}, format="json"
    ).json()

    assert data["status"] == "routed"
    assert data["unit"] == county.department.pk
    assert data["route_mode"] == "transfer"
    api.force_authenticate(county.department_handler)
    assert api.get(f"/api/v1/petitions/{petition.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit": 999999, "mode": "transfer"}, "unit"),
        ({"mode": "transfer"}, "unit"),
        ({"unit": "not-an-id", "mode": "transfer"}, "unit"),
        ({"unit": "UNIT", "mode": "teleport"}, "mode"),
    ],
)
def test_bad_route_is_a_400_and_changes_nothing(api, county, petition, db_state, body, field):
    body = {key: county.department.pk if value == "UNIT" else value for key, value in body.items()}
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/route/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert db_state() == before


def test_route_after_not_accept_is_a_409_and_changes_nothing(api, county, petition, db_state):
    api.force_authenticate(county.clerk_a)
    decided = api.post(f"/api/v1/petitions/{petition.pk}/decide/", {"decision": "not_accept", "reason": "已过诉讼时效"}, format="json")
    assert decided.json()["status"] == "not_accepted"
    before = db_state()

    response = api.post(
        f"/api/v1/petitions/{petition.pk}/route/", {"unit": county.department.pk, "mode": "transfer", "reason": "按职责转送"}, format="json"
    )

    assert response.status_code == 409
    assert set(response.json()) == {"detail"}
    assert db_state() == before


@pytest.mark.parametrize(("decision", "status"), [("not_accept", Status.NOT_ACCEPTED), ("divert", Status.DIVERTED)])
def test_decide(api, county, petition, decision, status):
    api.force_authenticate(county.handler_a)

    data = api.post(f"/api/v1/petitions/{petition.pk}/decide/", {"decision": decision, "reason": "应通过诉讼解决"}, format="json").json()

    assert data["status"] == status
    assert data["decision_reason"] == "应通过诉讼解决"
    assert data["decided_at"] is not None
    assert PetitionEvent.objects.filter(petition=petition, action=decision).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "maybe", "reason": "x"}, "decision"),
        ({"decision": "not_accept", "reason": "  "}, "reason"),
        ({"decision": "divert"}, "reason"),
    ],
)
def test_bad_decision_is_a_400_and_changes_nothing(api, county, petition, db_state, body, field):
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/decide/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert db_state() == before


def test_second_decision_is_a_409(api, county, petition, db_state):
    api.force_authenticate(county.clerk_a)
    api.post(f"/api/v1/petitions/{petition.pk}/decide/", {"decision": "divert", "reason": "转纪委"}, format="json")
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/file/", {"reason": "存档"}, format="json")

    assert response.status_code == 409
    assert db_state() == before


def test_file(api, county, petition):
    api.force_authenticate(county.clerk_a)

    data = api.post(f"/api/v1/petitions/{petition.pk}/file/", {"reason": "建议已转有关部门参考"}, format="json").json()

    assert data["status"] == "filed"


def test_file_without_reason_is_a_400(api, county, petition, db_state):
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/file/", {"reason": ""}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    assert db_state() == before


def test_a_unit_routed_away_from_can_no_longer_decide(api, county, petition, db_state):
    api.force_authenticate(county.clerk_a)
    api.post(
        f"/api/v1/petitions/{petition.pk}/route/", {"unit": county.department.pk, "mode": "assign", "reason": "按职责转送"}, format="json"
    )
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/decide/", {"decision": "divert", "reason": "x"}, format="json")

    assert response.status_code == 403
    assert db_state() == before


# Attachments


def test_attachment_upload_and_download(api, county, petition):
    api.force_authenticate(county.clerk_a)

    created = api.post(f"/api/v1/petitions/{petition.pk}/attachments/", {"file": png("来信扫描.png")}, format="multipart")

    assert created.status_code == 201
    attachment = created.json()
    assert attachment["name"] == "来信扫描.png"
    assert attachment["content_type"] == "image/png"
    assert attachment["size"] == len(PNG_BYTES)
    detail = api.get(f"/api/v1/petitions/{petition.pk}/").json()
    assert [row["id"] for row in detail["attachments"]] == [attachment["id"]]

    download = api.get(attachment["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PNG_BYTES


def test_pdf_attachment_is_accepted(api, county, petition):
    api.force_authenticate(county.clerk_a)
    upload = SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf")

    response = api.post(f"/api/v1/petitions/{petition.pk}/attachments/", {"file": upload}, format="multipart")

    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"


@pytest.mark.parametrize(
    "upload",
    [
        lambda: SimpleUploadedFile("photo.jpg", b"just some text, not a photo" * 10, content_type="image/jpeg"),
        lambda: SimpleUploadedFile("photo.jpg", PNG_BYTES, content_type="image/jpeg"),
        lambda: SimpleUploadedFile("virus.exe", b"MZ" + b"\x00" * 200, content_type="application/octet-stream"),
    ],
    ids=["text named jpg", "png named jpg", "executable"],
)
def test_disguised_attachment_is_refused(api, county, petition, db_state, upload):
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/attachments/", {"file": upload()}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert db_state() == before


@override_settings(ATTACHMENT_MAX_BYTES=32)
def test_oversized_attachment_is_refused(api, county, petition, db_state):
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/attachments/", {"file": png()}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert db_state() == before


def test_attachment_without_file_is_a_400(api, county, petition, db_state):
    api.force_authenticate(county.clerk_a)
    before = db_state()

    response = api.post(f"/api/v1/petitions/{petition.pk}/attachments/", {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()
    assert db_state() == before


def test_attachment_of_another_petition_is_404(api, county, petition):
    other = make_petition(actor=county.clerk_b, locality=county.township_b)
    url = _attachment_url(county, petition)
    api.force_authenticate(county.clerk_b)

    assert api.get(url.replace(f"/petitions/{petition.pk}/", f"/petitions/{other.pk}/")).status_code == 404


# Reveal


def test_reveal_returns_full_values_and_is_logged(api, county):
    id_number = make_id_number()
    petition = make_petition(actor=county.clerk_a, locality=county.township_a, id_number=id_number)
    petitioner = petition.petitioners.get()
    api.force_authenticate(county.leader_a)

    masked = api.get(f"/api/v1/petitions/{petition.pk}/").json()["petitioners"][0]
    assert masked["id_number"] != id_number
    assert masked["phone"] == "138****8000"

    response = api.post(f"/api/v1/petitioners/{petitioner.pk}/reveal/", {"reason": "电话回访"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"id_number": id_number, "phone": "13800138000"}
    reveal = PersonalDataReveal.objects.get()
    assert (reveal.petitioner, reveal.user, reveal.reason) == (petitioner, county.leader_a, "电话回访")


def test_reveal_of_an_unknown_petitioner_is_404(api, county):
    api.force_authenticate(county.supervisor)
    assert api.post("/api/v1/petitioners/999999/reveal/", {}, format="json").status_code == 404


# Categories


def test_categories_are_a_paginated_list_of_the_tree(api, county):
    api.force_authenticate(county.clerk_a)

    body = api.get("/api/v1/categories/?page_size=200").json()

    assert body["count"] >= 17
    first = body["results"][0]
    assert set(first) == {"id", "code", "name", "parent"}


# Schema and docs


def test_schema_is_served_and_valid(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/units/",
        "/api/v1/categories/",
        "/api/v1/users/",
        "/api/v1/petitions/",
        "/api/v1/petitions/{id}/",
        "/api/v1/petitions/{id}/route/",
        "/api/v1/petitions/{id}/object/",
        "/api/v1/petitions/{id}/decide/",
        "/api/v1/petitions/{id}/file/",
        "/api/v1/petitions/{id}/attachments/",
        "/api/v1/petitions/{id}/attachments/{attachment_pk}/",
        "/api/v1/petitioners/{id}/reveal/",
    } <= paths


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any schema warning (an untyped field, a guessed serializer) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@override_settings(STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}})
def test_docs_page_loads_nothing_from_another_host(api):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    assert re.findall(r"https?://", html) == []
    assert re.findall(r"""(?:src|href)\s*=\s*["']//""", html) == []
    assets = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert finders.find(asset), f"{asset} is not shipped with an installed package"

"""Intake services: registration, numbering, repeats, group visits, attachments, routing, decisions."""

import struct
import threading
import zlib
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone, translation

from accounts.tests.factories import make_user
from deadlines import services as deadline_services
from deadlines.models import CalendarDay, CalendarSource, CalendarYear, Deadline, DeadlineKind, DeadlinePolicy
from petitions import services
from petitions.identity import decrypt, mask_id_number
from petitions.models import (
    ACCEPTANCE_ACTIONS,
    TRANSITIONS,
    Action,
    PersonalDataReveal,
    Petition,
    Petitioner,
    PetitionEvent,
    RegistrationCounter,
    RouteMode,
    Status,
    TransitionNotAllowed,
)
from petitions.selectors import petitioner_by_id_number
from petitions.tests.factories import category, make_id_number

PHONE = "13800138000"


@contextmanager
def frozen_now(moment: datetime):
    """The clock as Django reads it (timezone.now, localdate, auto_now_add) stopped at `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def person(name: str = "张三", *, id_number: str | None = None, phone: str = PHONE, **fields) -> services.PetitionerInput:
    return services.petitioner_input_clean(name=name, id_number=make_id_number() if id_number is None else id_number, phone=phone, **fields)


def register(county, **overrides) -> Petition:
    """A valid registration by township A's clerk; `overrides` replace single arguments."""
    arguments = {
        "actor": county.clerk_a,
        "channel": "visit",
        "received_at": timezone.now() - timedelta(hours=1),
        "petitioners": [person()],
        "category": category("08"),
        "purpose": "complaint",
        "locality": county.township_a,
        "summary": "拖欠工资问题",
    }
    arguments.update(overrides)
    return services.petition_register(**arguments)


def test_petitioners_keep_the_order_the_clerk_entered(county):
    names = ["赵六", "王五", "钱七", "孙八", "李四", "周九"]

    petition = register(county, petitioners=[person(name) for name in names])

    linked = petition.petitionpetitioner_set.order_by("id").values_list("petitioner__name", flat=True)
    assert list(linked) == names


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def run_at_once(*calls) -> list:
    """Run each call in its own thread (so its own database connection), released together.

    Returns each call's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# Registration numbers


def test_numbers_count_up_within_the_year(county):
    with frozen_now(datetime(2026, 3, 10, 2, 0, tzinfo=UTC)):
        first, second = register(county), register(county)
    assert (first.reg_no, second.reg_no) == ("XF-2026-000001", "XF-2026-000002")
    assert RegistrationCounter.objects.get(year=2026).last_number == 2


def test_the_year_of_a_number_is_the_shanghai_year(county):
    with frozen_now(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)):  # 23:30 on 31 December in Shanghai
        last_of_2026 = register(county, received_at=timezone.now() - timedelta(minutes=10))
    with frozen_now(datetime(2026, 12, 31, 16, 10, tzinfo=UTC)):  # 00:10 on 1 January in Shanghai
        first_of_2027 = register(county, received_at=timezone.now() - timedelta(minutes=10))
        second_of_2027 = register(county, received_at=timezone.now() - timedelta(minutes=5))
    assert last_of_2026.reg_no == "XF-2026-000001"
    assert (first_of_2027.reg_no, second_of_2027.reg_no) == ("XF-2027-000001", "XF-2027-000002")
    assert dict(RegistrationCounter.objects.values_list("year", "last_number")) == {2026: 1, 2027: 2}


class ForcedFailure(Exception):
    pass


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_stay_gap_free_under_concurrent_clerks_and_rollbacks(county):
    """Four clerks at once; a third of their registrations fail after the number was taken."""
    clerks, per_clerk = 4, 6
    create_event = PetitionEvent.objects.create

    def create_event_or_fail(**fields):
        if fields["petition"].summary == "事件写入失败":
            raise ForcedFailure
        return create_event(**fields)

    def clerk(index: int) -> list[str | None]:
        """Registers `per_clerk` items; returns their numbers, None for each one rolled back."""
        numbers = []
        for attempt in range(per_clerk):
            outcome = (index + attempt) % 3
            try:
                if outcome == 0:
                    numbers.append(register(county).reg_no)
                elif outcome == 1:  # fails inside the service, after numbering
                    register(county, summary="事件写入失败")
                else:  # the caller's own transaction fails after the service returned
                    with transaction.atomic():
                        register(county)
                        raise ForcedFailure
            except ForcedFailure:
                numbers.append(None)
        return numbers

    with mock.patch.object(PetitionEvent.objects, "create", side_effect=create_event_or_fail):
        results = run_at_once(*(lambda index=index: clerk(index) for index in range(clerks)))

    assert all(isinstance(numbers, list) for numbers in results), results
    outcomes = [number for numbers in results for number in numbers]
    saved = [number for number in outcomes if number is not None]
    assert len(outcomes) == clerks * per_clerk
    assert len(saved) == 8
    year = timezone.localdate().year
    expected = [f"XF-{year}-{number:06d}" for number in range(1, len(saved) + 1)]
    assert sorted(saved) == expected
    assert sorted(Petition.objects.values_list("reg_no", flat=True)) == expected
    assert RegistrationCounter.objects.get(year=year).last_number == len(saved)
    assert PetitionEvent.objects.count() == len(saved)


# What registration records


def test_registration_records_the_item_and_its_first_event(county):
    petition = register(county, channel="letter", content="全文", skip_level=True, to_beijing=True)
    petition.refresh_from_db()
    assert petition.status == Status.REGISTERED
    assert (petition.channel, petition.content, petition.skip_level, petition.to_beijing) == ("letter", "全文", True, True)
    assert (petition.intake_unit, petition.registered_by, petition.unit) == (county.township_a, county.clerk_a, None)
    assert (petition.headcount, petition.is_group, petition.is_repeat) == (1, False, False)
    assert len(petition.query_code) == 12
    [event] = petition.events.all()
    assert (event.action, event.from_status, event.to_status, event.actor) == (Action.REGISTER, "", Status.REGISTERED, county.clerk_a)


def test_decision_due_counts_15_days_from_the_shanghai_received_date(county):
    with frozen_now(datetime(2026, 11, 1, tzinfo=UTC)):
        # 17:00 UTC on 27 September is 01:00 on 28 September in Shanghai.
        petition = register(county, received_at=datetime(2026, 9, 27, 17, 0, tzinfo=UTC))
    assert petition.decision_due == date(2026, 10, 13)


def test_a_person_is_stored_once_encrypted_and_found_by_id_number(county):
    id_number = make_id_number()
    full_width = id_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    register(county, petitioners=[person(id_number=id_number)])
    register(county, petitioners=[person(id_number=full_width, phone="13900139000", address="城关镇一村")], category=category("05"))
    stored = Petitioner.objects.get()
    assert stored.petitions.count() == 2
    assert id_number not in stored.id_number_encrypted and "13900139000" not in stored.phone_encrypted
    assert decrypt(stored.id_number_encrypted) == id_number
    assert decrypt(stored.phone_encrypted) == "13900139000"
    assert (stored.id_number_masked, stored.phone_masked, stored.address) == (mask_id_number(id_number), "139****9000", "城关镇一村")
    assert petitioner_by_id_number(id_number) == stored


def test_people_without_id_number_are_told_apart_by_name_and_phone(county):
    register(county, petitioners=[person("李四", id_number="")])
    register(county, petitioners=[person("李四", id_number="")])
    register(county, petitioners=[person("王五", id_number="")])
    assert sorted(Petitioner.objects.values_list("name", flat=True)) == ["李四", "王五"]


# Repeats


def test_same_id_number_on_the_same_matter_is_a_repeat_across_channels(county):
    id_number = make_id_number()
    earlier = register(county, channel="letter", petitioners=[person(id_number=id_number)], received_at=timezone.now() - timedelta(days=9))
    latest = register(county, channel="online", petitioners=[person(id_number=id_number)], received_at=timezone.now() - timedelta(days=3))
    petition = register(county, channel="visit", petitioners=[person("张三丰", id_number=id_number, phone="")])
    assert latest.repeat_of == earlier
    assert petition.is_repeat and petition.repeat_of == latest
    assert latest.reg_no in petition.events.get().note


def test_without_id_number_name_and_phone_find_the_repeat(county):
    earlier = register(county, petitioners=[person("李四", id_number="")])
    petition = register(county, petitioners=[person("李四", id_number="")])
    other_phone = register(county, petitioners=[person("李四", id_number="", phone="13900139000")])
    other_name = register(county, petitioners=[person("李五", id_number="")])
    assert (petition.is_repeat, petition.repeat_of) == (True, earlier)
    assert not other_phone.is_repeat
    assert not other_name.is_repeat


def test_one_repeating_member_makes_a_group_visit_a_repeat(county):
    id_number = make_id_number()
    earlier = register(county, petitioners=[person(id_number=id_number)])
    petition = register(county, petitioners=[person("赵六"), person(id_number=id_number)], headcount=6)
    assert petition.repeat_of == earlier


@pytest.mark.parametrize(
    "change",
    [
        {"category": "05"},
        {"locality": "township_b"},
        {"person": "someone else"},
    ],
    ids=["other category", "other locality", "other person"],
)
def test_a_different_matter_or_person_is_not_a_repeat(county, change):
    id_number = make_id_number()
    register(county, petitioners=[person(id_number=id_number)])
    petition = register(
        county,
        petitioners=[person(id_number=make_id_number() if "person" in change else id_number)],
        category=category(change.get("category", "08")),
        locality=getattr(county, change.get("locality", "township_a")),
    )
    assert (petition.is_repeat, petition.repeat_of) == (False, None)


def test_only_petitions_within_the_repeat_window_count(county, settings):
    settings.REPEAT_WINDOW_DAYS = 30
    now = timezone.now()
    old_id, recent_id = make_id_number(), make_id_number()
    register(county, petitioners=[person(id_number=old_id)], received_at=now - timedelta(days=31))
    recent = register(county, petitioners=[person(id_number=recent_id)], received_at=now - timedelta(days=29))
    assert not register(county, petitioners=[person(id_number=old_id)], received_at=now).is_repeat
    assert register(county, petitioners=[person(id_number=recent_id)], received_at=now).repeat_of == recent


def test_repeat_detection_can_be_switched_off(county):
    id_number = make_id_number()
    register(county, petitioners=[person(id_number=id_number)])
    petition = register(county, petitioners=[person(id_number=id_number)], detect_repeat=False)
    assert (petition.is_repeat, petition.repeat_of) == (False, None)


def test_the_clerk_can_name_the_earlier_petition(county):
    earlier = register(county, category=category("05"))
    petition = register(county, repeat_of=earlier)
    assert (petition.is_repeat, petition.repeat_of) == (True, earlier)
    assert earlier.reg_no in petition.events.get().note


# Group visits


@pytest.mark.parametrize(("headcount", "is_group"), [(1, False), (4, False), (5, True), (40, True)])
def test_five_people_or_more_make_a_group_visit(county, headcount, is_group):
    petition = register(county, headcount=headcount)
    assert (petition.headcount, petition.is_group) == (headcount, is_group)


def test_headcount_defaults_to_the_people_entered(county):
    petition = register(county, petitioners=[person(f"代表{index}") for index in range(5)])
    assert (petition.headcount, petition.is_group) == (5, True)


def test_a_group_has_up_to_five_representatives(county):
    people = [person(f"代表{index}", is_representative=True) for index in range(5)] + [person("群众")]
    petition = register(county, petitioners=people, headcount=30)
    links = petition.petitionpetitioner_set.select_related("petitioner")
    assert sorted(link.petitioner.name for link in links if link.is_representative) == [f"代表{index}" for index in range(5)]
    assert [link.petitioner.name for link in links if not link.is_representative] == ["群众"]


# Bad input: a clear message on the field, nothing saved


BAD_REGISTRATIONS = {
    "channel": lambda county: {"channel": "fax"},
    "purpose": lambda county: {"purpose": ""},
    "received_at": lambda county: {"received_at": timezone.now() + timedelta(minutes=5)},
    "petitioners": lambda county: {"petitioners": []},
    "headcount": lambda county: {"petitioners": [person("甲"), person("乙"), person("丙")], "headcount": 2},
    "representatives": lambda county: {
        "petitioners": [person(f"代表{index}", is_representative=True) for index in range(6)],
        "headcount": 30,
    },
    "locality": lambda county: {"locality": county.department},
    "summary": lambda county: {"summary": "   "},
    "attachments": lambda county: {"attachments": [SimpleUploadedFile("letter.jpg", b"plain text, not a photo")]},
}


@pytest.mark.parametrize("field", BAD_REGISTRATIONS)
def test_bad_registration_names_the_field_and_saves_nothing(county, db_state, media, field):
    arguments = BAD_REGISTRATIONS[field](county)
    before = db_state()
    with pytest.raises(ValidationError) as caught:
        register(county, **arguments)
    assert set(caught.value.message_dict) == {field}
    assert db_state() == before
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check digit
        ({"id_number": "110105198002300016"}, "id_number"),  # 30 February
        ({"name": "  "}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"township": "department"}, "township"),
    ],
)
def test_bad_person_names_the_field_and_saves_nothing(county, db_state, fields, key):
    if "township" in fields:
        fields["township"] = getattr(county, fields["township"])
    before = db_state()
    with pytest.raises(ValidationError) as caught:
        services.petitioner_input_clean(**{"name": "张三", **fields})
    assert set(caught.value.message_dict) == {key}
    assert db_state() == before


def test_a_clerk_without_a_unit_cannot_register(county, db_state):
    before = db_state()
    with pytest.raises(ValidationError):
        register(county, actor=make_user(unit=None, roles=["clerk"]))
    assert db_state() == before


@pytest.mark.parametrize("role", ["handler", "leader", "admin"])
def test_only_clerks_and_supervisors_register(county, db_state, role):
    before = db_state()
    with pytest.raises(PermissionDenied):
        register(county, actor=make_user(unit=county.township_a, roles=[role]))
    assert db_state() == before


def test_a_supervisor_registers_for_the_bureau(county):
    petition = register(county, actor=county.supervisor)
    assert petition.intake_unit == county.bureau


# Attachments


def test_a_real_png_is_stored_under_a_random_name(county, media):
    petition = register(county, attachments=[SimpleUploadedFile("张三身份证.png", png_bytes())])
    attachment = petition.attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("张三身份证.png", "image/png", len(png_bytes()))
    assert "张三" not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{petition.pk}/")
    assert [path.read_bytes() for path in stored_files(media)] == [png_bytes()]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: SimpleUploadedFile("big.png", png_bytes() + b"\0" * 2048), "big.png"),
        (lambda: SimpleUploadedFile("letter.jpg", "这是一封信".encode()), "letter.jpg"),
        (lambda: SimpleUploadedFile("scan.jpg", PDF_BYTES), "PDF"),
        (lambda: SimpleUploadedFile("photo", png_bytes()), "photo"),
    ],
    ids=["oversized", "text named .jpg", "PDF named .jpg", "no extension"],
)
def test_oversized_or_disguised_uploads_are_refused(county, db_state, media, settings, upload, message):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = db_state()
    with pytest.raises(ValidationError) as caught:
        register(county, attachments=[SimpleUploadedFile("ok.png", png_bytes()), upload()])
    [error] = caught.value.message_dict["attachments"]
    assert message in error
    assert db_state() == before
    assert stored_files(media) == []


def test_a_pdf_named_pdf_is_accepted(county, media):
    petition = register(county, attachments=[SimpleUploadedFile("来信.PDF", PDF_BYTES)])
    assert petition.attachments.get().content_type == "application/pdf"


def test_adding_an_attachment_writes_an_event(county, media):
    petition = register(county)
    attachment = services.attachment_add(actor=county.clerk_a, petition=petition, upload=SimpleUploadedFile("补充.png", png_bytes()))
    event = petition.events.last()
    assert (event.action, event.from_status, event.note) == (Action.ATTACH_FILE, Status.REGISTERED, "补充.png")
    assert attachment.petition == petition


def test_adding_an_attachment_is_refused_outside_the_unit_and_for_bad_files(county, db_state, media):
    petition = register(county)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=county.clerk_b, petition=petition, upload=SimpleUploadedFile("a.png", png_bytes()))
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(actor=county.clerk_a, petition=petition, upload=SimpleUploadedFile("a.png", PDF_BYTES))
    assert set(caught.value.message_dict) == {"file"}
    assert db_state() == before
    assert stored_files(media) == []


# Routing and intake decisions


def test_routing_sets_the_unit_the_mode_a_new_deadline_and_an_event(county):
    with frozen_now(datetime(2026, 9, 28, 2, 0, tzinfo=UTC)):
        petition = register(county, received_at=datetime(2026, 9, 20, 2, 0, tzinfo=UTC))
        routed = services.petition_route(
            actor=county.clerk_a, petition=petition, unit=county.department, mode=RouteMode.ASSIGN, reason="按职责转送"
        )
    routed.refresh_from_db()
    assert (routed.status, routed.unit, routed.route_mode) == (Status.ROUTED, county.department, RouteMode.ASSIGN)
    # The competent unit has 15 days from the day it received the item.
    assert routed.decision_due == date(2026, 10, 13)
    event = routed.events.last()
    assert (event.action, event.from_status, event.to_status, event.unit, event.actor) == (
        Action.ROUTE,
        Status.REGISTERED,
        Status.ROUTED,
        county.department,
        county.clerk_a,
    )


def test_after_routing_the_receiving_unit_decides_not_the_sender(county, db_state):
    petition = register(county)
    routed = services.petition_route(
        actor=county.clerk_a, petition=petition, unit=county.township_b, mode=RouteMode.TRANSFER, reason="按职责转送"
    )
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.petition_not_accept(actor=county.clerk_a, petition=routed, reason="不属于本单位")
    assert db_state() == before
    decided = services.petition_not_accept(actor=county.handler_b, petition=routed, reason="不属于信访事项")
    assert decided.status == Status.NOT_ACCEPTED


@pytest.mark.parametrize(
    ("action", "status", "service"),
    [
        (Action.NOT_ACCEPT, Status.NOT_ACCEPTED, services.petition_not_accept),
        (Action.DIVERT, Status.DIVERTED, services.petition_divert),
        (Action.FILE, Status.FILED, services.petition_file),
    ],
)
def test_closing_at_intake_records_the_reason_and_an_event(county, action, status, service):
    with frozen_now(datetime(2026, 11, 2, 3, 0, tzinfo=UTC)):
        petition = register(county)
        closed = service(actor=county.handler_a, petition=petition, reason="  属于法院受理范围  ")
    closed.refresh_from_db()
    assert (closed.status, closed.decision_reason) == (status, "属于法院受理范围")
    assert closed.decided_at == datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    event = closed.events.last()
    assert (event.action, event.from_status, event.to_status, event.note, event.actor) == (
        action,
        Status.REGISTERED,
        status,
        "属于法院受理范围",
        county.handler_a,
    )


CLOSING_SERVICES = {
    Action.NOT_ACCEPT: services.petition_not_accept,
    Action.DIVERT: services.petition_divert,
    Action.FILE: services.petition_file,
}


def act(action: str, *, actor, petition: Petition, county) -> Petition:
    """Call the service for an intake action with ordinary arguments."""
    if action == Action.ROUTE:
        return services.petition_route(actor=actor, petition=petition, unit=county.department, mode=RouteMode.TRANSFER, reason="按职责转送")
    if action == Action.OBJECT:
        return services.petition_object(actor=actor, petition=petition, reason="不属于本单位职责")
    return CLOSING_SERVICES[action](actor=actor, petition=petition, reason="理由")


# Acceptance (opening or joining a case) is cases.services.petition_accept; cases/tests cover it.
INTAKE_ACTIONS = [action for action in TRANSITIONS if action not in ACCEPTANCE_ACTIONS]


def test_every_intake_transition_has_its_service():
    assert set(INTAKE_ACTIONS) == {Action.ROUTE, Action.OBJECT, *CLOSING_SERVICES}


def test_closed_petitions_allow_no_intake_action():
    closed = {Status.ACCEPTED, Status.NOT_ACCEPTED, Status.NOT_ACCEPTED_AGAIN, Status.DIVERTED, Status.FILED, Status.ATTACHED}
    for allowed_from, _result in TRANSITIONS.values():
        assert not allowed_from & closed


@pytest.mark.parametrize("action", INTAKE_ACTIONS)
@pytest.mark.parametrize("status", Status.values)
def test_services_follow_the_transition_table(county, db_state, action, status):
    petition = register(county)
    Petition.objects.filter(pk=petition.pk).update(status=status)
    petition.refresh_from_db()
    allowed_from, result = TRANSITIONS[action]
    if status in allowed_from:
        assert act(action, actor=county.clerk_a, petition=petition, county=county).status == result
        event = petition.events.last()
        assert (event.action, event.from_status, event.to_status) == (action, status, result)
    else:
        before = db_state()
        with pytest.raises(TransitionNotAllowed):
            act(action, actor=county.clerk_a, petition=petition, county=county)
        assert db_state() == before


@pytest.mark.parametrize(
    ("actor", "action"),
    [
        ("handler_a", Action.ROUTE),
        ("leader_a", Action.ROUTE),
        ("clerk_b", Action.ROUTE),
        ("department_handler", Action.ROUTE),
        ("leader_a", Action.NOT_ACCEPT),
        ("supervisor", Action.NOT_ACCEPT),
        ("clerk_b", Action.NOT_ACCEPT),
        ("handler_b", Action.DIVERT),
        ("admin", Action.FILE),
    ],
)
def test_refused_roles_and_other_units_change_nothing(county, db_state, actor, action):
    petition = register(county)
    before = db_state()
    with pytest.raises(PermissionDenied):
        act(action, actor=getattr(county, actor), petition=petition, county=county)
    assert db_state() == before


def test_a_supervisor_routes_anywhere_in_the_county(county):
    petition = register(county, actor=county.clerk_b, locality=county.township_b)
    routed = services.petition_route(
        actor=county.supervisor, petition=petition, unit=county.department, mode=RouteMode.ASSIGN, reason="按职责转送"
    )
    assert routed.status == Status.ROUTED


def test_a_decision_needs_a_reason_and_a_route_needs_a_mode(county, db_state):
    petition = register(county)
    before = db_state()
    with pytest.raises(ValidationError) as no_reason:
        services.petition_divert(actor=county.clerk_a, petition=petition, reason="  ")
    with pytest.raises(ValidationError) as no_mode:
        services.petition_route(actor=county.clerk_a, petition=petition, unit=county.department, mode="forward", reason="按职责转送")
    assert set(no_reason.value.message_dict) == {"reason"}
    assert set(no_mode.value.message_dict) == {"mode"}
    assert db_state() == before


def test_an_action_on_a_stale_copy_is_refused(county, db_state):
    """The clerk's page still shows 'registered', but a colleague has just routed it to township B."""
    petition = register(county)
    stale = Petition.objects.get(pk=petition.pk)
    services.petition_route(actor=county.clerk_a, petition=petition, unit=county.township_b, mode=RouteMode.TRANSFER, reason="按职责转送")
    before = db_state()
    with pytest.raises(TransitionNotAllowed):
        services.petition_not_accept(actor=county.clerk_a, petition=stale, reason="不属于信访事项")
    with pytest.raises(TransitionNotAllowed):
        services.petition_route(actor=county.clerk_a, petition=stale, unit=county.department, mode=RouteMode.TRANSFER, reason="按职责转送")
    assert db_state() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_route_and_not_accept_at_once_one_wins(county):
    for _round in range(8):
        petition = register(county)
        router_copy, decider_copy = Petition.objects.get(pk=petition.pk), Petition.objects.get(pk=petition.pk)
        route, not_accept = run_at_once(
            lambda: act(Action.ROUTE, actor=county.clerk_a, petition=router_copy, county=county),  # noqa: B023 - joined in the loop
            lambda: act(Action.NOT_ACCEPT, actor=county.handler_a, petition=decider_copy, county=county),  # noqa: B023
        )
        outcomes = {Action.ROUTE: route, Action.NOT_ACCEPT: not_accept}
        winners = [action for action, result in outcomes.items() if isinstance(result, Petition)]
        losers = [action for action, result in outcomes.items() if isinstance(result, TransitionNotAllowed)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        petition.refresh_from_db()
        assert petition.status == TRANSITIONS[winners[0]][1]
        assert list(petition.events.values_list("action", flat=True)) == [Action.REGISTER, winners[0]]


# Personal data


def test_reveal_gives_the_full_data_and_is_logged(county):
    id_number = make_id_number()
    register(county, petitioners=[person(id_number=id_number, phone="13912345678")])
    stored = Petitioner.objects.get()
    revealed = services.petitioner_reveal(actor=county.clerk_a, petitioner=stored, reason="核实身份")
    assert revealed == {"id_number": id_number, "phone": "13912345678"}
    log = PersonalDataReveal.objects.get()
    assert (log.petitioner, log.user, log.reason) == (stored, county.clerk_a, "核实身份")


def test_reveal_is_refused_without_a_working_role(county, db_state):
    register(county)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.petitioner_reveal(actor=county.admin, petitioner=Petitioner.objects.get())
    assert db_state() == before


# The decision deadline and the holiday calendar


def test_registration_and_routing_take_the_limit_from_the_decision_policy(county):
    DeadlinePolicy.objects.filter(kind=DeadlineKind.DECISION).update(days=10)
    with frozen_now(datetime(2026, 9, 28, 2, 0, tzinfo=UTC)):
        petition = register(county, received_at=datetime(2026, 9, 20, 2, 0, tzinfo=UTC))
        assert petition.decision_due == date(2026, 9, 30)
        routed = services.petition_route(
            actor=county.clerk_a, petition=petition, unit=county.department, mode=RouteMode.TRANSFER, reason="按职责转送"
        )
    assert routed.decision_due == date(2026, 10, 8)


def register_due_on_4_november(county, count: int = 1) -> list[Petition]:
    """Registered on Tuesday 20 October 2026, so due on Wednesday 4 November."""
    with frozen_now(datetime(2026, 10, 20, 2, 0, tzinfo=UTC)):
        return [register(county, received_at=datetime(2026, 10, 20, 1, 0, tzinfo=UTC)) for _ in range(count)]


@pytest.fixture
def due_on_4_november(county):
    """Open petitions due on 4 November (one registered, one routed), a closed one, and an open one due earlier."""
    [registered, to_file] = register_due_on_4_november(county, 2)
    with frozen_now(datetime(2026, 10, 20, 2, 0, tzinfo=UTC)):
        # Received on 1 October but routed on 20 October: the period runs from the routing.
        received_earlier = register(county, received_at=datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
        routed = services.petition_route(
            actor=county.clerk_a, petition=received_earlier, unit=county.department, mode=RouteMode.TRANSFER, reason="按职责转送"
        )
        filed = services.petition_file(actor=county.clerk_a, petition=to_file, reason="当场答复")
        due_earlier = register(county, received_at=datetime(2026, 10, 12, 2, 0, tzinfo=UTC))
    assert [petition.decision_due for petition in (registered, routed, filed)] == [date(2026, 11, 4)] * 3
    assert due_earlier.decision_due == date(2026, 10, 27)
    return SimpleNamespace(registered=registered, routed=routed, filed=filed, due_earlier=due_earlier)


def recomputed_events(petition: Petition) -> list[tuple]:
    return list(
        petition.events.filter(action=Action.DEADLINE_RECOMPUTED).values_list("actor", "from_status", "to_status", "note").order_by("id")
    )


def test_a_new_holiday_moves_the_open_deadlines_it_reaches_and_records_it_on_each(county, due_on_4_november):
    petitions = due_on_4_november
    with translation.override("en"):
        moved = deadline_services.calendar_day_save(
            actor=county.admin, day=CalendarDay(date=date(2026, 11, 4), is_workday=False, name="地方假日")
        )
    assert moved.of(Petition) == 2
    for petition in (petitions.registered, petitions.routed):
        petition.refresh_from_db()
        assert petition.decision_due == date(2026, 11, 5)
        assert recomputed_events(petition) == [
            (
                county.admin.pk,
                petition.status,
                petition.status,
                "Decision to accept deadline moved from 2026-11-04 to 2026-11-05 by a change to the holiday calendar.",
            )
        ]
    for untouched, due in ((petitions.filed, date(2026, 11, 4)), (petitions.due_earlier, date(2026, 10, 27))):
        untouched.refresh_from_db()
        assert untouched.decision_due == due
        assert recomputed_events(untouched) == []
    day = CalendarDay.objects.get(date=date(2026, 11, 4))
    assert (day.year_id, day.source, day.is_workday) == (2026, CalendarSource.MANUAL, False)


def test_moving_and_then_deleting_a_holiday_moves_the_deadlines_back(county, due_on_4_november):
    petitions = due_on_4_november
    day = CalendarDay(date=date(2026, 11, 4), is_workday=False, name="地方假日")
    assert deadline_services.calendar_day_save(actor=county.admin, day=day).of(Petition) == 2
    day.date = date(2026, 11, 6)
    # 4 November is a working day again; the petitions now due on the 5th go back to the 4th.
    assert deadline_services.calendar_day_save(actor=county.admin, day=day).of(Petition) == 2
    petitions.registered.refresh_from_db()
    assert petitions.registered.decision_due == date(2026, 11, 4)
    day.date = date(2026, 11, 4)
    assert deadline_services.calendar_day_save(actor=county.admin, day=day).of(Petition) == 2
    assert deadline_services.calendar_day_delete(actor=county.admin, day=day).of(Petition) == 2
    assert not CalendarDay.objects.filter(date=date(2026, 11, 4)).exists()
    petitions.routed.refresh_from_db()
    assert petitions.routed.decision_due == date(2026, 11, 4)
    assert len(recomputed_events(petitions.routed)) == 4
    assert recomputed_events(petitions.filed) == []


def test_a_change_that_moves_no_deadline_records_nothing(county, due_on_4_november):
    # A make-up working Saturday after every due date, and one before them all.
    assert (
        deadline_services.calendar_day_save(
            actor=county.admin, day=CalendarDay(date=date(2026, 11, 7), is_workday=True, name="调休上班")
        ).of(Petition)
        == 0
    )
    assert (
        deadline_services.calendar_day_save(
            actor=county.admin, day=CalendarDay(date=date(2026, 10, 24), is_workday=True, name="调休上班")
        ).of(Petition)
        == 0
    )
    assert not PetitionEvent.objects.filter(action=Action.DEADLINE_RECOMPUTED).exists()


# Check and save the day in its savepoint (its year found first), then the one recount: list and lock
# the petitions, read their clocks, the policies and the calendar, update the clocks and clear their
# reminders; the petitions' owner reads them, updates them and writes their events.
RECOUNT_QUERIES = 15


def test_recomputing_costs_the_same_queries_for_one_petition_or_many(county, django_assert_num_queries):
    def queries_to_save(day: date) -> None:
        with django_assert_num_queries(RECOUNT_QUERIES):
            moved = deadline_services.calendar_day_save(actor=county.admin, day=CalendarDay(date=day, is_workday=False, name="地方假日"))
            assert moved.of(Petition) > 0

    register_due_on_4_november(county)
    queries_to_save(date(2026, 11, 4))
    register_due_on_4_november(county, 4)
    CalendarDay.objects.filter(date=date(2026, 11, 4)).delete()
    Petition.objects.update(decision_due=date(2026, 11, 4))
    Deadline.objects.update(due_on=date(2026, 11, 4))
    queries_to_save(date(2026, 11, 4))


def test_a_day_in_a_new_year_starts_that_year_as_incomplete(county):
    deadline_services.calendar_day_save(actor=county.admin, day=CalendarDay(date=date(2027, 10, 1), is_workday=False, name="国庆节"))
    assert CalendarYear.objects.get(year=2027).complete is False
    assert CalendarDay.objects.get(date=date(2027, 10, 1)).year_id == 2027


def test_a_day_that_is_no_exception_to_the_weekend_rule_is_refused(county, due_on_4_november):
    events = PetitionEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        deadline_services.calendar_day_save(actor=county.admin, day=CalendarDay(date=date(2026, 11, 4), is_workday=True, name="调休上班"))
    assert set(caught.value.message_dict) == {"is_workday"}
    assert not CalendarDay.objects.filter(date=date(2026, 11, 4)).exists()
    assert PetitionEvent.objects.count() == events

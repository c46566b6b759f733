"""Every write at intake. Each function checks its rules, writes its event, and is atomic."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification, NotificationKind, Role, Unit, UnitKind, User
from accounts.selectors import Directory, unit_users
from accounts.services import notification_draft, notify, site_language
from deadlines.calendar import due_date
from deadlines.models import Deadline, DeadlineKind, ReminderLevel
from deadlines.owners import MovedDeadline
from deadlines.services import REMINDER_KINDS, deadline_meet, deadline_open, deadline_set, reminder_level
from petitions import permissions
from petitions.identity import decrypt, encrypt, lookup_hash, mask_id_number, mask_phone, validate_id_number, validate_phone
from petitions.models import (
    GROUP_VISIT_MIN_HEADCOUNT,
    MAX_REPRESENTATIVES,
    TRANSITIONS,
    Action,
    Attachment,
    Category,
    Channel,
    PersonalDataReveal,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionPetitioner,
    Purpose,
    RegistrationCounter,
    RouteMode,
    Status,
    TransitionNotAllowed,
)
from petitions.selectors import PetitionerKey, objection_window, repeat_candidates, routing_suggestion

ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
    "image/tiff": {"tif", "tiff"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
}


@dataclass(frozen=True)
class PetitionerInput:
    """One person as entered at intake, already validated and normalised."""

    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    township: Unit | None = None
    is_representative: bool = False

    @property
    def key(self) -> PetitionerKey:
        return PetitionerKey(name=self.name, id_number_hash=lookup_hash(self.id_number), phone_hash=lookup_hash(self.phone))


def petitioner_input_clean(
    *, name: str, id_number: str = "", phone: str = "", address: str = "", township: Unit | None = None, is_representative: bool = False
) -> PetitionerInput:
    """Validate one person's fields; raises ValidationError keyed by field name."""
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the petitioner's name.")]
    if id_number and id_number.strip():
        try:
            id_number = validate_id_number(id_number)
        except ValidationError as error:
            errors["id_number"] = error.messages
    else:
        id_number = ""
    if phone and phone.strip():
        try:
            phone = validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    else:
        phone = ""
    if township is not None and township.kind != UnitKind.TOWNSHIP:
        errors["township"] = [_("Choose a township.")]
    if errors:
        raise ValidationError(errors)
    return PetitionerInput(
        name=name, id_number=id_number, phone=phone, address=(address or "").strip(), township=township, is_representative=is_representative
    )


def attachment_check(upload: UploadedFile) -> str:
    """The content type of an acceptable upload, judged by its bytes; else ValidationError."""
    name, size = upload.name or "", upload.size or 0  # a received upload has both; the stub allows None
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(limit)d MB.") % {"name": upload.name, "limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind is None or kind.mime not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError(_("%(name)s is not a scan or photo (PDF, JPEG, PNG, TIFF, GIF or WebP).") % {"name": upload.name})
    if extension not in ALLOWED_ATTACHMENT_TYPES[kind.mime]:
        raise ValidationError(
            _("%(name)s is named as .%(extension)s but its content is %(type)s.")
            % {"name": upload.name, "extension": extension or "?", "type": kind.extension.upper()}
        )
    return kind.mime


def _registration_number(year: int) -> str:
    """The next number of the year. The row lock is held to commit, so a rollback leaves no gap."""
    RegistrationCounter.objects.bulk_create([RegistrationCounter(year=year)], ignore_conflicts=True)
    counter = RegistrationCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"XF-{year}-{counter.last_number:06d}"


def _petitioner_save(person: PetitionerInput) -> Petitioner:
    """The stored person for this input: found by ID hash (else name and phone), else created."""
    key = person.key
    existing = None
    if key.id_number_hash:
        existing = Petitioner.objects.filter(id_number_hash=key.id_number_hash).first()
    elif key.phone_hash:
        existing = Petitioner.objects.filter(name=person.name, phone_hash=key.phone_hash, id_number_hash="").first()
    if existing is None:
        existing = Petitioner(name=person.name, id_number_hash=key.id_number_hash)
        if person.id_number:
            existing.id_number_encrypted = encrypt(person.id_number)
            existing.id_number_masked = mask_id_number(person.id_number)
    if person.phone:
        existing.phone_encrypted, existing.phone_hash, existing.phone_masked = (
            encrypt(person.phone),
            key.phone_hash,
            mask_phone(person.phone),
        )
    existing.address = person.address or existing.address
    existing.township = person.township or existing.township
    try:
        with transaction.atomic():
            existing.save()
    except IntegrityError:
        # Another clerk registered the same person a moment ago.
        return Petitioner.objects.get(id_number_hash=key.id_number_hash)
    return existing


def _event(
    petition: Petition, actor: User, action: str, *, from_status: str = "", unit: Unit | None = None, note: str = ""
) -> PetitionEvent:
    return PetitionEvent.objects.create(
        petition=petition, actor=actor, action=action, from_status=from_status, to_status=petition.status, unit=unit, note=note
    )


def petition_register(
    *,
    actor: User,
    channel: str,
    received_at: datetime,
    petitioners: Sequence[PetitionerInput],
    category: Category,
    purpose: str,
    locality: Unit,
    summary: str,
    content: str = "",
    headcount: int | None = None,
    skip_level: bool = False,
    to_province: bool = False,
    to_beijing: bool = False,
    joint_letter: bool = False,
    repeat_of: Petition | None = None,
    detect_repeat: bool = True,
    attachments: Sequence[UploadedFile] = (),
) -> Petition:
    """Register one incoming item: number it, set its decision deadline, link a likely repeat."""
    permissions.require(permissions.can_register(actor))
    if actor.unit_id is None:
        raise ValidationError(_("Your account belongs to no unit; ask an administrator."))
    headcount = headcount or len(petitioners)
    errors: dict[str, list] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Choose a channel.")]
    if purpose not in Purpose.values:
        errors["purpose"] = [_("Choose a purpose.")]
    if received_at > timezone.now():
        errors["received_at"] = [_("The received time cannot be in the future.")]
    if not petitioners:
        errors["petitioners"] = [_("Enter at least one petitioner.")]
    if headcount < len(petitioners):
        errors["headcount"] = [
            _("The headcount (%(headcount)d) is lower than the number of petitioners entered (%(count)d).")
            % {"headcount": headcount, "count": len(petitioners)}
        ]
    if sum(person.is_representative for person in petitioners) > MAX_REPRESENTATIVES:
        errors["representatives"] = [_("A group may have at most %(max)d representatives.") % {"max": MAX_REPRESENTATIVES}]
    if locality.kind != UnitKind.TOWNSHIP:
        errors["locality"] = [_("The locality must be a township.")]
    if not summary.strip():
        errors["summary"] = [_("Enter a summary of the matter.")]
    attachment_errors = []
    for upload in attachments:
        try:
            attachment_check(upload)
        except ValidationError as error:
            attachment_errors.extend(error.messages)
    if attachment_errors:
        errors["attachments"] = attachment_errors
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # One order for every clerk, so two registrations of the same people cannot deadlock.
        in_lock_order = sorted(petitioners, key=lambda person: (person.key.id_number_hash, person.name, person.key.phone_hash))
        saved = {id(person): _petitioner_save(person) for person in in_lock_order}
        # Linked in the order the clerk entered them: the first named comes first on every page and notice.
        people = [(saved[id(person)], person.is_representative) for person in petitioners]
        received_on = timezone.localtime(received_at).date()
        decision = due_date(kind=DeadlineKind.DECISION, start=received_on)
        if repeat_of is None and detect_repeat:
            repeat_of = repeat_candidates(
                keys=[person.key for person in petitioners], category_id=category.pk, locality_id=locality.pk, received_at=received_at
            ).first()
        petition = Petition.objects.create(
            reg_no=_registration_number(timezone.localdate().year),
            channel=channel,
            received_at=received_at,
            headcount=headcount,
            is_group=headcount >= GROUP_VISIT_MIN_HEADCOUNT,
            category=category,
            purpose=purpose,
            locality=locality,
            summary=summary.strip(),
            content=content,
            skip_level=skip_level,
            to_province=to_province,
            to_beijing=to_beijing,
            joint_letter=joint_letter,
            is_repeat=repeat_of is not None,
            repeat_of=repeat_of,
            intake_unit_id=actor.unit_id,
            decision_due=decision.due_on,
            query_code=secrets.token_hex(6).upper(),  # 48 random bits: no collision in a city's lifetime
            registered_by=actor,
        )
        PetitionPetitioner.objects.bulk_create(
            [
                PetitionPetitioner(petition=petition, petitioner=person, is_representative=is_representative)
                for person, is_representative in people
            ],
            ignore_conflicts=True,
        )
        deadline_set(subject=petition, kind=DeadlineKind.DECISION, start=received_on, due_on=decision.due_on)
        note = _("Repeat of %(reg_no)s.") % {"reg_no": repeat_of.reg_no} if repeat_of else ""
        _event(petition, actor, Action.REGISTER, note=note)
        for upload in attachments:
            _attachment_save(petition, actor, upload)
        _visit_alert(petition)
    return petition


def _visit_alert(petition: Petition) -> None:
    """A large group visit, or a visit to the province or to Beijing, alerts the county's leaders and
    supervisors at once (in the registration's transaction, so the alert cannot be lost)."""
    with site_language():
        reasons = []
        if petition.channel == Channel.VISIT and petition.headcount >= settings.GROUP_VISIT_ALERT_SIZE:
            reasons.append(_("a group visit of %(count)d people") % {"count": petition.headcount})
        if petition.to_beijing:
            reasons.append(_("a visit to Beijing"))
        if petition.to_province:
            reasons.append(_("a visit to the province"))
        if not reasons:
            return
        message = _("Alert: %(reasons)s, registered as %(reg_no)s (%(category)s, %(locality)s).") % {
            "reasons": _(", ").join(reasons),
            "reg_no": petition.reg_no,
            "category": petition.category.name,
            "locality": petition.locality.name,
        }
    directory = Directory()
    notify(
        recipients=directory.leadership() + directory.with_role(Role.SUPERVISOR),
        kind=NotificationKind.ALERT,
        message=message,
        link=reverse("petition-detail", args=[petition.pk]),
        subject=petition,
    )


def _attachment_save(petition: Petition, actor: User, upload: UploadedFile) -> Attachment:
    return Attachment.objects.create(
        petition=petition,
        file=upload,
        original_name=(upload.name or "")[:200],
        content_type=attachment_check(upload),
        size=upload.size or 0,
        uploaded_by=actor,
    )


def attachment_add(*, actor: User, petition: Petition, upload: UploadedFile) -> Attachment:
    permissions.require(permissions.can_attach(actor, petition))
    try:
        attachment_check(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    with transaction.atomic():
        attachment = _attachment_save(petition, actor, upload)
        _event(petition, actor, Action.ATTACH_FILE, from_status=petition.status, note=attachment.original_name)
    return attachment


def petition_claim(petition: Petition, action: str) -> tuple[Petition, str]:
    """Lock the row and check the move from its current state; the loser of a race gets a conflict.

    Call inside a transaction. Public because accepting (cases) claims petitions too.

    The caller decided (and its permission was checked) on `petition` as it read it: if another
    user has moved or rerouted it since, the action is refused rather than applied to a petition
    the caller has not seen.
    """
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    allowed_from, result = TRANSITIONS[action]
    if locked.status not in allowed_from or (locked.status, locked.unit_id) != (petition.status, petition.unit_id):
        raise TransitionNotAllowed(
            _("This petition is now “%(status)s”; that action is no longer possible.") % {"status": locked.get_status_display()}
        )
    return locked, result


def petition_route(*, actor: User, petition: Petition, unit: Unit, mode: str, reason: str = "") -> Petition:
    """Transfer or assign to the competent unit, which then has 15 days to decide. Another unit than
    the routing rules suggest (属地管理、分级负责，谁主管、谁负责) needs the reason, kept on the timeline."""
    permissions.require(permissions.can_route(actor, petition))
    if mode not in RouteMode.values:
        raise ValidationError({"mode": [_("Choose transfer or assign.")]})
    reason = (reason or "").strip()
    with transaction.atomic():
        locked, result = petition_claim(petition, Action.ROUTE)
        suggestion = routing_suggestion(petition)
        if unit.pk != suggestion.unit.pk and not reason:
            raise ValidationError(
                {
                    "reason": [
                        _("The routing rules suggest %(unit)s (%(why)s); say why you choose another unit.")
                        % {"unit": suggestion.unit.name, "why": suggestion.why}
                    ]
                }
            )
        from_status = locked.status
        locked.status, locked.unit, locked.route_mode, locked.routed_by_unit_id = result, unit, mode, actor.unit_id
        # The new unit's clock starts today, and reminds it afresh.
        locked.decision_due = deadline_open(subject=locked, kind=DeadlineKind.DECISION, start=timezone.localdate()).due_on
        locked.save(update_fields=["status", "unit", "route_mode", "routed_by_unit", "decision_due"])
        note = str(RouteMode(mode).label)
        if unit.pk != suggestion.unit.pk:
            note = _("%(mode)s, not to the suggested %(suggested)s: %(reason)s") % {
                "mode": note,
                "suggested": suggestion.unit.name,
                "reason": reason,
            }
        elif reason:
            note = f"{note}: {reason}"
        _event(locked, actor, Action.ROUTE, from_status=from_status, unit=unit, note=note)
        with site_language():
            message = _("Petition %(reg_no)s was routed to %(unit)s; decide whether to accept it by %(due)s.") % {
                "reg_no": locked.reg_no,
                "unit": unit,
                "due": locked.decision_due.isoformat(),
            }
        notify(
            recipients=unit_users(unit.pk, Role.CLERK, Role.HANDLER),
            kind=NotificationKind.ROUTED,
            message=message,
            link=reverse("petition-detail", args=[locked.pk]),
            subject=locked,
        )
    return locked


def petition_object(*, actor: User, petition: Petition, reason: str) -> Petition:
    """The unit a petition was routed to says it is not competent (Art. 23 ¶3), within 5 working days
    of routing: back to the unit that routed it, whose decision clock starts again today."""
    permissions.require(permissions.can_decide(actor, petition))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why your unit is not competent; the routing unit reads it.")]})
    with transaction.atomic():
        locked, result = petition_claim(petition, Action.OBJECT)
        window = objection_window(petition=locked)
        if window is not None and timezone.localdate() > window.due_on:
            raise TransitionNotAllowed(
                _("The time to hand this petition back ended on %(date)s (5 working days after it was routed).")
                % {"date": window.due_on.isoformat()}
            )
        objecting_unit, routing_unit_id = locked.unit, locked.routed_by_unit_id
        locked.status, locked.route_mode = result, ""
        locked.unit_id = None if routing_unit_id in (None, locked.intake_unit_id) else routing_unit_id
        locked.decision_due = deadline_open(subject=locked, kind=DeadlineKind.DECISION, start=timezone.localdate()).due_on
        locked.save(update_fields=["status", "unit", "route_mode", "decision_due"])
        back_to = Unit.objects.get(pk=locked.responsible_unit_id)
        _event(locked, actor, Action.OBJECT, from_status=Status.ROUTED, unit=back_to, note=reason)
        with site_language():
            message = _("%(unit)s handed petition %(reg_no)s back as not competent (%(reason)s); route it again by %(due)s.") % {
                "unit": objecting_unit,
                "reg_no": locked.reg_no,
                "reason": reason,
                "due": locked.decision_due.isoformat(),
            }
        notify(
            recipients=unit_users(back_to.pk, Role.CLERK),
            kind=NotificationKind.OBJECTED,
            message=message,
            link=reverse("petition-detail", args=[locked.pk]),
            subject=locked,
        )
    return locked


def petition_decision_record(*, actor: User, petition: Petition, action: str, reason: str, decided_on: date | None = None) -> Petition:
    """Record the decision `action` on a petition claimed in the caller's transaction: its status, the
    time and reason, its event, and its decision clock met on `decided_on` (default today, or the day
    a decision taken on paper was made). The one place a decision is written:
    accepting (cases, which opens or joins the case) comes through here too."""
    allowed_from, result = TRANSITIONS[action]
    if petition.status not in allowed_from:
        raise TransitionNotAllowed(
            _("This petition is now “%(status)s”; that action is no longer possible.") % {"status": petition.get_status_display()}
        )
    from_status = petition.status
    petition.status, petition.decision_reason, petition.decided_at = result, reason, timezone.now()
    petition.save(update_fields=["status", "decision_reason", "decided_at"])
    deadline_meet(subject=petition, kind=DeadlineKind.DECISION, on=decided_on or timezone.localdate())
    _event(petition, actor, action, from_status=from_status, unit=petition.unit, note=reason)
    return petition


def _close_at_intake(*, actor: User, petition: Petition, action: str, reason: str) -> Petition:
    permissions.require(permissions.can_decide(actor, petition))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason; it goes into the notice to the petitioner.")]})
    with transaction.atomic():
        locked, _result = petition_claim(petition, action)
        return petition_decision_record(actor=actor, petition=locked, action=action, reason=reason)


def petition_not_accept(*, actor: User, petition: Petition, reason: str) -> Petition:
    return _close_at_intake(actor=actor, petition=petition, action=Action.NOT_ACCEPT, reason=reason)


def petition_divert(*, actor: User, petition: Petition, reason: str) -> Petition:
    """The matter belongs to a court, arbitration, discipline inspection …; the reason says where."""
    return _close_at_intake(actor=actor, petition=petition, action=Action.DIVERT, reason=reason)


def petition_file(*, actor: User, petition: Petition, reason: str) -> Petition:
    """Suggestions and enquiries answered at intake."""
    return _close_at_intake(actor=actor, petition=petition, action=Action.FILE, reason=reason)


def petitioner_reveal(*, actor: User, petitioner: Petitioner, reason: str = "") -> dict[str, str]:
    """The full ID number and phone, for a user allowed to see them; every call is logged."""
    permissions.require(permissions.can_reveal(actor))
    PersonalDataReveal.objects.create(petitioner=petitioner, user=actor, reason=reason[:200])
    return {"id_number": decrypt(petitioner.id_number_encrypted), "phone": decrypt(petitioner.phone_encrypted)}


# The decision clock's owner (deadlines.owners): who is told, and what a moved due date changes.


def petition_deadlines_moved(moved: list[MovedDeadline], actor: User) -> None:
    """A calendar or policy change moved decision deadlines: the petitions' due dates follow, each
    with an event on its timeline."""
    petitions = Petition.objects.only("pk", "status", "decision_due").in_bulk([item.deadline.subject_id for item in moved])
    events = []
    for item in moved:
        petition = petitions[item.deadline.subject_id]
        petition.decision_due = item.deadline.due_on
        events.append(
            PetitionEvent(
                petition=petition,
                actor=actor,
                action=Action.DEADLINE_RECOMPUTED,
                from_status=petition.status,
                to_status=petition.status,
                note=item.note,
            )
        )
    Petition.objects.bulk_update(petitions.values(), ["decision_due"])
    PetitionEvent.objects.bulk_create(events)


def petition_reminder_drafts(deadlines: list[Deadline], as_of: date, directory: Directory) -> list[Notification]:
    """The unit that must decide (its clerks and handlers) is reminded; overdue also the supervisors."""
    petitions = (
        Petition.objects.select_related("category")
        .only("pk", "reg_no", "unit_id", "intake_unit_id", "category__name")
        .in_bulk([deadline.subject_id for deadline in deadlines])
    )
    drafts = []
    with site_language():
        for deadline in deadlines:
            petition = petitions[deadline.subject_id]
            level = reminder_level(deadline.due_on, as_of)
            values = {
                "reg_no": petition.reg_no,
                "category": petition.category.name,
                "due": deadline.due_on.isoformat(),
                "days": abs((deadline.due_on - as_of).days),
            }
            if level == ReminderLevel.OVERDUE:
                message = _("Petition %(reg_no)s (%(category)s): the decision to accept was due on %(due)s, %(days)d days ago.") % values
            elif level == ReminderLevel.DUE_TODAY:
                message = _("Petition %(reg_no)s (%(category)s): the decision to accept is due today, %(due)s.") % values
            else:
                message = _("Petition %(reg_no)s (%(category)s): the decision to accept is due %(due)s, in %(days)d days.") % values
            recipients = directory.in_unit(petition.responsible_unit_id, Role.CLERK, Role.HANDLER)
            if level == ReminderLevel.OVERDUE:
                recipients += directory.with_role(Role.SUPERVISOR)
            link = reverse("petition-detail", args=[petition.pk])
            drafts += [
                notification_draft(recipient=user, kind=REMINDER_KINDS[level], message=message, link=link, subject=petition)
                for user in recipients
            ]
    return drafts

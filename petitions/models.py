import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from deadlines.models import Deadline

GROUP_VISIT_MIN_HEADCOUNT = 5
MAX_REPRESENTATIVES = 5


class Category(models.Model):
    """Two-level category tree (the 17 usual first-level ones and their sub-categories)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent else self.name


class RoutingRule(models.Model):
    """Which unit is competent for a matter (Arts. 5, 22: 属地管理、分级负责，谁主管、谁负责), as the
    administrator sets it. A rule without a locality is a matter the county handles itself (a county
    department or the bureau); without a matching rule a matter goes to its township."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any category. A first-level category covers its sub-categories."),
    )
    locality = models.ForeignKey(
        Unit,
        verbose_name=_("locality"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "township"},
        help_text=_("Empty: any township (the county handles it itself)."),
    )
    unit = models.ForeignKey(Unit, verbose_name=_("competent unit"), on_delete=models.CASCADE, related_name="+")
    note = models.CharField(
        _("why"), max_length=200, help_text=_("Shown to the clerk with the suggestion, e.g. 谁主管、谁负责：劳动保障由县人社局办理.")
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "locality__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "locality"], name="routing_rule_unique_matter"),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} · {self.locality or '*'} → {self.unit}"


class Petitioner(models.Model):
    """A person who petitions. The ID number and phone are stored encrypted and looked up by hash."""

    name = models.CharField(_("full name"), max_length=50)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=24, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    township = models.ForeignKey(
        Unit,
        verbose_name=_("township of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "township"},
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("petitioner")
        verbose_name_plural = _("petitioners")
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="petitioner_unique_id_number"),
        ]
        indexes = [models.Index(fields=["name", "phone_hash"], name="petitioner_name_phone")]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    MAILBOX = "mailbox", _("Leader's mailbox")


class Purpose(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint or report")
    SUGGESTION = "suggestion", _("Suggestion")
    APPEAL = "appeal", _("Appeal")
    REQUEST = "request", _("Request")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ROUTED = "routed", _("Routed")
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    NOT_ACCEPTED_AGAIN = "not_accepted_again", _("Not accepted again")
    DIVERTED = "diverted", _("Diverted")
    FILED = "filed", _("Filed")
    ATTACHED = "attached", _("Attached to an open case")


class RouteMode(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    ASSIGN = "assign", _("Assign (completion report required)")


class Action(models.TextChoices):
    """What happened on a petition; each value is one row kind on its timeline."""

    REGISTER = "register", _("Registered")
    ROUTE = "route", _("Routed")
    ACCEPT = "accept", _("Accepted")
    ATTACH = "attach", _("Attached to an open case")
    NOT_ACCEPT_AGAIN = "not_accept_again", _("Not accepted again")
    NOT_ACCEPT = "not_accept", _("Not accepted")
    DIVERT = "divert", _("Diverted")
    FILE = "file", _("Filed")
    OBJECT = "object", _("Handed back: not competent")
    ATTACH_FILE = "attach_file", _("Attachment added")
    DEADLINE_RECOMPUTED = "deadline_recomputed", _("Deadline recomputed")


# The intake workflow (DESIGN §5), written once: action -> (states it may start from, result).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.ROUTE: (frozenset({Status.REGISTERED, Status.ROUTED}), Status.ROUTED),
    # Acceptance is decided by the competent unit, so only once routed; cases.services.petition_accept
    # picks one of the three (a new case, a repeat joining the open case, a concluded matter).
    Action.ACCEPT: (frozenset({Status.ROUTED}), Status.ACCEPTED),
    Action.ATTACH: (frozenset({Status.ROUTED}), Status.ATTACHED),
    Action.NOT_ACCEPT_AGAIN: (frozenset({Status.ROUTED}), Status.NOT_ACCEPTED_AGAIN),
    Action.NOT_ACCEPT: (frozenset({Status.REGISTERED, Status.ROUTED}), Status.NOT_ACCEPTED),
    Action.DIVERT: (frozenset({Status.REGISTERED, Status.ROUTED}), Status.DIVERTED),
    Action.FILE: (frozenset({Status.REGISTERED, Status.ROUTED}), Status.FILED),
    # The unit it was routed to says it is not competent (Art. 23 ¶3): back to the unit that routed it.
    Action.OBJECT: (frozenset({Status.ROUTED}), Status.REGISTERED),
}
# The competent unit's acceptance, which opens or joins a case: carried out by cases.services.petition_accept,
# since a case is the cases app's (dependencies point accounts ← petitions ← cases).
ACCEPTANCE_ACTIONS = frozenset({Action.ACCEPT, Action.ATTACH, Action.NOT_ACCEPT_AGAIN})


class TransitionNotAllowed(Exception):
    """The action is not allowed from the petition's current state, or another user acted first."""


class RegistrationCounter(models.Model):
    """The last registration number used in a year; locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class Petition(models.Model):
    """One letter, visit, online or phone item as registered at intake."""

    reg_no = models.CharField(_("registration number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    petitioners = models.ManyToManyField(Petitioner, through="PetitionPetitioner", related_name="petitions", verbose_name=_("petitioners"))
    headcount = models.PositiveIntegerField(_("headcount"), default=1)
    is_group = models.BooleanField(_("group visit"), default=False)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="petitions")
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    locality = models.ForeignKey(
        Unit, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="+", limit_choices_to={"kind": "township"}
    )
    summary = models.CharField(_("summary"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    skip_level = models.BooleanField(_("skip-level visit"), default=False)
    to_province = models.BooleanField(_("visit to the province"), default=False)
    to_beijing = models.BooleanField(_("visit to Beijing"), default=False)
    joint_letter = models.BooleanField(_("joint letter"), default=False)
    is_repeat = models.BooleanField(_("repeat petition"), default=False)
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("repeat of"), null=True, blank=True, on_delete=models.PROTECT, related_name="repeats"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    intake_unit = models.ForeignKey(Unit, verbose_name=_("registering unit"), on_delete=models.PROTECT, related_name="registered_petitions")
    unit = models.ForeignKey(
        Unit, verbose_name=_("routed to"), null=True, blank=True, on_delete=models.PROTECT, related_name="routed_petitions"
    )
    route_mode = models.CharField(_("routing mode"), max_length=10, choices=RouteMode.choices, blank=True)
    # The unit whose clerk routed it: an objection hands it back there, and an assigned (交办)
    # petition's completion report is owed to it.
    routed_by_unit = models.ForeignKey(Unit, verbose_name=_("routed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The decision clock's due date (deadlines.Deadline, kind decision), kept on the row for the lists.
    decision_due = models.DateField(_("decision due"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    query_code = models.CharField(_("query code"), max_length=12, unique=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    deadlines = GenericRelation(Deadline, content_type_field="subject_type", object_id_field="subject_id", related_query_name="petition")

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="petition_received"),
            # The list filtered by status and township, newest first. The scope columns come last so
            # a unit's clerk gets counts and page keys from the index alone (index-only scans).
            models.Index(
                fields=["status", "locality", "-received_at", "-id", "intake_unit", "unit"], name="petition_status_locality_scope"
            ),
            models.Index(fields=["intake_unit", "-received_at", "-id"], name="petition_intake_unit"),
            models.Index(fields=["unit", "-received_at", "-id"], name="petition_unit"),
            models.Index(fields=["status", "decision_due"], name="petition_status_due"),
            # The start page: what was registered today, and undecided petitions soonest due first.
            models.Index(fields=["-created_at", "-id"], name="petition_created"),
            models.Index(
                fields=["decision_due", "received_at", "id"],
                condition=Q(status__in=["registered", "routed"]),
                name="petition_undecided_due",
            ),
            models.Index(fields=["category", "locality", "received_at"], name="petition_matter"),
            # The statistics' timely acceptance rate: decisions due in a period, read from the index alone
            # (index-only scan) instead of a scan of every petition.
            models.Index(fields=["decision_due"], include=["decided_at", "unit", "intake_unit", "id"], name="petition_decision_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gte=1), name="petition_headcount_positive"),
        ]

    def __str__(self) -> str:
        return self.reg_no

    @property
    def responsible_unit_id(self) -> int:
        """The unit that must act now: the one it was routed to, else the one that registered it."""
        return self.unit_id or self.intake_unit_id

    def can(self, action: str) -> bool:
        allowed_from, _result = TRANSITIONS[action]
        return self.status in allowed_from


class PetitionPetitioner(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE)
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT)
    is_representative = models.BooleanField(_("representative"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "petitioner"], name="petition_petitioner_unique")]
        indexes = [models.Index(fields=["petitioner", "petition"], name="petitioner_petitions")]


class PetitionEvent(models.Model):
    """One row of a petition's timeline: every transition and important action."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("petition event")
        verbose_name_plural = _("petition events")
        ordering = ["at", "id"]


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random stored name: the original name may hold personal data and must not become a path.
    return f"attachments/{instance.petition_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A scanned letter or photo; served only to users who may see the petition."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]


class PersonalDataReveal(models.Model):
    """Every view of a petitioner's full ID number or phone (DESIGN §7)."""

    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-at"]

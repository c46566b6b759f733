from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("County petition bureau")
    LEADERSHIP = "leadership", _("County leadership")
    DEPARTMENT = "department", _("Department")
    TOWNSHIP = "township", _("Township")


class Unit(models.Model):
    """A body in the county: the bureau, the leadership, a department or a township (a tree)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Reviews of this unit's replies are decided by the body above it (Art. 35), usually outside the
    # county's units; its name is printed in the reply and offered when the opinion is recorded.
    higher_body = models.CharField(
        _("next-higher body"),
        max_length=100,
        blank=True,
        help_text=_("The body that decides a review of this unit's replies, e.g. 县人民政府."),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    HANDLER = "handler", _("Handler")
    LEADER = "leader", _("Leader")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person working in one unit, holding one or more roles."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    roles = models.JSONField(_("roles"), default=list, blank=True, help_text=_("Any of: clerk, handler, leader, supervisor, admin."))
    email_notifications = models.BooleanField(
        _("e-mail notifications"), default=True, help_text=_("Also send each notification to the user's e-mail address.")
    )
    # Not a field: accounts.selectors.visible_unit_ids keeps its answer on the user object it was given.
    _visible_unit_ids: set[int] | None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles if role in Role.values]


# Notifications: every app's services write them in their own transaction (accounts is the bottom of
# the dependency arrow, so petitions and cases can both), and their e-mail goes out from an outbox.


class NotificationKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Deadline soon")
    DUE_TODAY = "due_today", _("Deadline today")
    OVERDUE = "overdue", _("Overdue")
    SUPERVISION = "supervision", _("Supervision order")
    SUPERVISION_RESPONSE = "supervision_response", _("Supervision order answered")
    ALERT = "alert", _("Visit alert")
    ASSIGNED = "assigned", _("Case assigned")
    APPROVAL = "approval", _("Waiting for your approval")
    DECIDED = "decided", _("Your submission was decided")
    ROUTED = "routed", _("Petition to decide")
    OBJECTED = "objected", _("Petition handed back")
    ACCEPTED = "accepted", _("Case accepted into your unit")
    COMPLETION_REPORT = "completion_report", _("Completion report received")
    REPORT = "report", _("Monthly report ready")


class Notification(models.Model):
    """One message to one user. `subject` is the case or petition it is about (a generic link, so
    that accounts imports nothing above it); `link` is the page that opens it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    message = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient"),
            # The bell's unread count on every page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.message


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class OutboxEmail(models.Model):
    """The e-mail of a notification, written in the same transaction, so a broker outage delays it
    but cannot lose it: accounts.tasks.outbox_send delivers what is pending, retrying with backoff."""

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="email")
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="outbox_pending")]

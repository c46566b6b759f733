from django.contrib.auth.models import AbstractUser
from django.db import models
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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in self.roles if role in Role.values]

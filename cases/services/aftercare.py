"""Work with the petitioner after the matter is concluded (Art. 37 ¶3: 疏导教育、矛盾化解、帮扶救助)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases import permissions
from cases.models import Aftercare, AftercareKind, Case, CaseAction
from cases.services.transitions import date_check, required_text, transition_apply


def aftercare_record(*, actor: User, case: Case, kind: str, done_on: date, note: str) -> Aftercare:
    """The team records what it did for the petitioner of a concluded case; it is on the timeline too."""
    permissions.require(permissions.can_work_on(actor, case))
    if kind not in AftercareKind.values:
        raise ValidationError({"kind": [_("Choose guidance, resolving the dispute, or help and relief.")]})
    date_check(case, done_on, "done_on")
    note = required_text(note, "note", _("Write what was done."))
    with transaction.atomic():
        locked = transition_apply(case, actor, CaseAction.AFTERCARE, note=f"{AftercareKind(kind).label}: {note}")
        return Aftercare.objects.create(case=locked, kind=kind, done_on=done_on, note=note, recorded_by=actor)

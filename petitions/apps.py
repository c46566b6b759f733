from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        # The deadline engine asks the owner of each clock who is told and what a moved due date changes.
        from deadlines import owners
        from petitions.models import Petition
        from petitions.services import petition_deadlines_moved, petition_reminder_drafts

        owners.register(Petition, owners.ClockOwner(reminder_drafts=petition_reminder_drafts, deadlines_moved=petition_deadlines_moved))

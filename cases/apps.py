from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Case handling")

    def ready(self) -> None:
        # The deadline engine asks the owner of each clock who is told and what a moved due date changes.
        from cases.models import Case
        from cases.services.clocks import case_deadlines_moved, case_reminder_drafts
        from deadlines import owners

        owners.register(Case, owners.ClockOwner(reminder_drafts=case_reminder_drafts, deadlines_moved=case_deadlines_moved))

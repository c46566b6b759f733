"""Page forms for a user's notifications. They parse input; the writes are accounts.services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

SHOW_ALL = "all"
SHOW_UNREAD = "unread"


class NotificationFilterForm(forms.Form):
    """The list's query string: all notifications or only the unread ones."""

    show = forms.ChoiceField(choices=[(SHOW_ALL, _("All")), (SHOW_UNREAD, _("Unread"))], required=False)

    def unread(self) -> bool | None:
        """The selector's `unread`: True for the unread ones, None for all (also when the value is not one we know)."""
        return True if self.is_valid() and self.cleaned_data["show"] == SHOW_UNREAD else None


class EmailPreferenceForm(forms.Form):
    # Unticked, a checkbox sends nothing: absent means off.
    email_notifications = forms.BooleanField(
        label=_("Also send my notifications by e-mail"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

"""Page forms for case handling, one per action. They parse and shape input; the rules (who may,
from which state, which dates and team members are acceptable) live in cases.services."""

from typing import cast

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Unit, User
from accounts.selectors import unit_list, user_list
from cases.models import AftercareKind, Case, MeetingKind, Outcome, Rating, ReplyStatus
from petitions.forms import BootstrapMixin


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user} · {user.unit.name}" if user.unit else str(user)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user} · {user.unit.name}" if user.unit else str(user)


def _leaders():
    return user_list(role=Role.LEADER)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _text(label, *, required: bool = True, rows: int = 3, placeholder: str | Promise = ""):
    attrs: dict[str, int | str | Promise] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs=attrs))


class AssignForm(BootstrapMixin, forms.Form):
    lead_official = UserChoiceField(label=_("Lead official"), queryset=User.objects.none(), empty_label=_("— choose —"))
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none(), empty_label=_("— choose —"))
    supporting_units = forms.ModelMultipleChoiceField(
        label=_("Supporting units"), queryset=Unit.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    stability_unit = forms.ModelChoiceField(label=_("Stability unit"), queryset=Unit.objects.none(), required=False, empty_label="—")
    members = UserMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Handlers of the lead, a supporting or the stability unit."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead_official"]).queryset = _leaders()
        for name in ("lead_unit", "supporting_units", "stability_unit"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = unit_list()
        # Members record the work, which is a handler's (cases.permissions.can_work_on).
        cast(forms.ModelChoiceField, self.fields["members"]).queryset = user_list(role=Role.HANDLER)


class LeadChangeForm(BootstrapMixin, forms.Form):
    lead_official = UserChoiceField(label=_("New lead official"), queryset=User.objects.none(), empty_label=_("— choose —"))
    reason = _text(_("Reason"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead_official"]).queryset = _leaders()


class PlanForm(BootstrapMixin, forms.Form):
    content = _text(_("Plan"), rows=5, placeholder=_("The steps to resolve the problem, who does what, by when"))


class ConfirmForm(forms.Form):
    """Approvals and closing take no input: the button is the decision."""


class ReasonForm(BootstrapMixin, forms.Form):
    reason = _text(_("Reason"), rows=2)


class ProgressForm(BootstrapMixin, forms.Form):
    note = _text(_("What was done"), rows=3)


class HearingForm(BootstrapMixin, forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    end_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    venue = forms.CharField(label=_("Venue"), required=False, max_length=200)
    participants = _text(_("Participants"), required=False, rows=2)
    outcome = _text(_("Outcome"), required=False, rows=2)


class LeaderMeetingForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    leader = UserChoiceField(label=_("Leader"), queryset=User.objects.none(), empty_label=_("— choose —"))
    note = _text(_("Note"), required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["leader"]).queryset = _leaders()


class ExtensionRequestForm(BootstrapMixin, forms.Form):
    # The cap is the deadline policy's (an administrator's setting): the service checks it.
    days = forms.IntegerField(label=_("Extra days"), min_value=1)
    reason = _text(_("Reason"), rows=2, placeholder=_("Goes into the extension notice to the petitioner"))


class ServeForm(BootstrapMixin, forms.Form):
    served_on = forms.DateField(label=_("Served on"), widget=DateInput())


class EvaluationForm(BootstrapMixin, forms.Form):
    rating = forms.ChoiceField(label=_("Rating"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = _text(_("Comment"), required=False, rows=2)


class AppealRequestForm(BootstrapMixin, forms.Form):
    requested_on = forms.DateField(label=_("Requested on"), widget=DateInput())
    reason = _text(_("The petitioner's reason"), rows=2)


class CaseForm(BootstrapMixin, forms.Form):
    """A form whose choices, or starting values, come from the case it acts on (cases.views passes it)."""

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case


def team_units(case: Case) -> list[Unit]:
    """The units of Case.team_unit_ids as objects, lead unit first, from what the case page has
    already read (selectors.case_get sets the units and prefetches the supporting ones)."""
    units = [case.lead_unit, *case.supporting_units.all(), case.stability_unit, case.accepting_unit]
    team = case.team_unit_ids
    return list({unit.pk: unit for unit in units if unit is not None and unit.pk in team}.values())


class ReplyDraftForm(CaseForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    content = _text(_("Reply"), rows=6, placeholder=_("The facts found and the opinion"))
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=300,
        help_text=_("The laws and articles the opinion rests on, e.g. 《中华人民共和国劳动合同法》第三十条; printed in the reply."),
    )

    def __init__(self, *args, **kwargs):
        """A draft not yet approved, or one sent back, is what the team works on: the form starts from
        it, with the reason it was sent back."""
        super().__init__(*args, **kwargs)
        try:
            reply = self.case.reply
        except ObjectDoesNotExist:
            return
        if reply.status not in (ReplyStatus.DRAFT, ReplyStatus.RETURNED):
            return
        self.initial = {"outcome": reply.outcome, "content": reply.content, "legal_basis": reply.legal_basis}
        if reply.status == ReplyStatus.RETURNED:
            # Shown above the fields (cases/_action.html).
            self.notice = _("Sent back by the lead official: %(reason)s") % {"reason": reply.returned_reason}


class SupervisionIssueForm(CaseForm):
    # Only the case's team units are offered; the service refuses any other unit too (and the API's callers).
    unit = forms.ChoiceField(label=_("Unit"), choices=())
    due_on = forms.DateField(label=_("Respond by"), widget=DateInput())
    instruction = _text(_("Instruction"), rows=3, placeholder=_("What the unit must do"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._units = {str(unit.pk): unit for unit in team_units(self.case)}
        choices = [("", _("— choose —")), *((pk, unit.name) for pk, unit in self._units.items())]
        cast(forms.ChoiceField, self.fields["unit"]).choices = choices

    def clean_unit(self) -> Unit:
        return self._units[self.cleaned_data["unit"]]


class SupervisionRespondForm(BootstrapMixin, forms.Form):
    response = _text(_("What the unit did"), rows=3)


class AppealDecisionForm(CaseForm):
    """The opinion of the body that decided, recorded by the county office and issued in that body's name."""

    body = forms.CharField(label=_("Deciding body"), max_length=100)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    content = _text(_("Opinion"), rows=5)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300)
    served_on = forms.DateField(label=_("Served on"), widget=DateInput())


class ReviewDecisionForm(AppealDecisionForm):
    """A review is decided by the body above the unit that handled the case (Art. 35): the unit's own
    next-higher body is offered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].initial = self.case.accepting_unit.higher_body
        self.fields["body"].help_text = _("The body above %(unit)s that decided the review, e.g. 县人民政府.") % {
            "unit": self.case.accepting_unit.name
        }


class ReexaminationDecisionForm(AppealDecisionForm):
    """A re-examination is decided by the body above the reviewer (Art. 36), usually outside the county."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("The body above the one that reviewed, e.g. 市人民政府信访工作机构.")


class CompletionReportForm(BootstrapMixin, forms.Form):
    content = _text(_("Report"), rows=4, placeholder=_("How the matter was handled and its result"))


class AftercareForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AftercareKind.choices)
    done_on = forms.DateField(label=_("Done on"), widget=DateInput())
    note = _text(_("What was done"), rows=3)

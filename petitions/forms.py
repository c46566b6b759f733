"""Page forms for intake. They parse and shape input; the rules live in petitions.services."""

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit, UnitKind
from accounts.selectors import township_list, unit_list
from petitions import services
from petitions.models import Category, Channel, Purpose, RouteMode
from petitions.selectors import category_list

MAX_PETITIONER_ROWS = 50
RECEIVED_AT_FORMAT = "%Y-%m-%d %H:%M"


def category_label(category: Category) -> str:
    """The two-level tree as one list: codes first so a clerk can type "08" to pick a category."""
    indent = "\u3000\u3000" if category.parent_id else ""
    return f"{indent}{category.code} {category.name}"


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category: Category) -> str:
        return category_label(category)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; their size and type are the service's to judge."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items:
            super().clean(None, initial)  # raises "required" when the field is
            return []
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields plainly."""

    fields: dict[str, forms.Field]  # the form's, which this mixin comes before

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def apply_service_errors(form: forms.Form, error: ValidationError, *, field_map: dict[str, str] | None = None) -> list[str]:
    """Put a service's ValidationError on the form's fields; return messages for keys the form lacks."""
    field_map = field_map or {}
    leftovers: list[str] = []
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return leftovers
    for key, messages in error.message_dict.items():
        field = field_map.get(key, key)
        if field in form.fields:
            form.add_error(field, messages)
        else:
            leftovers.extend(messages)
    return leftovers


class PetitionForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.VISIT)
    # A plain text box, not datetime-local: that one makes five tab stops out of one field.
    received_at = forms.DateTimeField(
        label=_("Received at"),
        input_formats=[RECEIVED_AT_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M"],
        widget=forms.DateTimeInput(format=RECEIVED_AT_FORMAT, attrs={"placeholder": "YYYY-MM-DD HH:MM", "autocomplete": "off"}),
    )
    headcount = forms.IntegerField(
        label=_("Headcount"),
        required=False,
        min_value=1,
        help_text=_("People who came; leave empty to count the petitioners entered. 5 or more is a group visit."),
    )
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none(), empty_label=_("— choose —"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.COMPLAINT)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Unit.objects.none(), empty_label=_("— choose —"))
    summary = forms.CharField(
        label=pgettext_lazy("petition", "Summary"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("The matter in one line")}),
    )
    content = forms.CharField(label=_("Full text"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    skip_level = forms.BooleanField(label=_("Skip-level visit"), required=False)
    to_province = forms.BooleanField(label=_("To the province"), required=False)
    to_beijing = forms.BooleanField(label=_("To Beijing"), required=False)
    joint_letter = forms.BooleanField(label=_("Joint letter"), required=False)
    attachments = MultipleFileField(
        label=_("Attachments"), required=False, help_text=_("Scans or photos: PDF, JPEG, PNG, TIFF, GIF, WebP.")
    )
    # Filled in only after the page has shown likely repeats: a petition id, or "none".
    repeat_choice = forms.CharField(required=False, widget=forms.HiddenInput)

    NOT_A_REPEAT = "none"

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = category_list()
        cast(forms.ModelChoiceField, self.fields["locality"]).queryset = township_list()
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
            if user is not None and user.unit is not None and user.unit.kind == UnitKind.TOWNSHIP:
                self.initial.setdefault("locality", user.unit.pk)
        self.fields["channel"].widget.attrs["autofocus"] = True


class PetitionerForm(BootstrapMixin, forms.Form):
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = forms.CharField(label=_("Name"), required=False, max_length=50)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    township = forms.ModelChoiceField(
        label=_("Township"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label="—",
        widget=forms.Select(attrs={"aria-label": _("Township")}),
    )
    is_representative = forms.BooleanField(label=_("Representative"), required=False)

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["township"]).queryset = townships if townships is not None else township_list()
        self.person: services.PetitionerInput | None = None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        try:
            self.person = services.petitioner_input_clean(
                name=cleaned.get("name", ""),
                id_number=cleaned.get("id_number", ""),
                phone=cleaned.get("phone", ""),
                address=cleaned.get("address", ""),
                township=cleaned.get("township"),
                is_representative=cleaned.get("is_representative", False),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class BasePetitionerFormSet(BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs.setdefault("townships", township_list())
        return kwargs

    @property
    def people(self) -> list[services.PetitionerInput]:
        return [form.person for form in self.forms if form.person is not None]

    def add_non_form_errors(self, messages: list[str]) -> None:
        self.non_form_errors().extend(messages)  # the formset's own list, made by the first call


# The stub's formset_factory answers BaseFormSet, not the subclass passed as `formset`.
PetitionerFormSet = cast(
    type[BasePetitionerFormSet],
    formset_factory(
        PetitionerForm,
        formset=BasePetitionerFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=MAX_PETITIONER_ROWS,
        validate_max=True,
        absolute_max=MAX_PETITIONER_ROWS,
    ),
)


class RouteForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Route to"), queryset=Unit.objects.none(), empty_label=_("— choose —"))
    mode = forms.ChoiceField(label=_("Mode"), choices=RouteMode.choices, initial=RouteMode.TRANSFER, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for another unit"),
        required=False,
        help_text=_("Required when you choose another unit than the suggested one."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, suggested_unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = unit_list()
        if suggested_unit is not None:
            self.initial.setdefault("unit", suggested_unit.pk)


class ObjectionForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why your unit is not competent"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The unit that routed it reads this and routes it again."),
    )


class DecisionForm(BootstrapMixin, forms.Form):
    """The competent unit's decision on a petition (Arts. 22-23, 31): what each choice does is in its label."""

    ACCEPT, NOT_ACCEPT, DIVERT, FILE = "accept", "not_accept", "divert", "file"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ACCEPT, _("Accept: opens a case, or joins the open case on the same matter")),
            (NOT_ACCEPT, _("Not accept: a notice tells the petitioner why")),
            (DIVERT, _("Divert: to a court, arbitration, discipline inspection …")),
            (FILE, _("File: a suggestion or enquiry closed at intake")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        help_text=_("Required to refuse, divert or file: it goes into the notice to the petitioner. Optional to accept."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConcludedMatterForm(BootstrapMixin, forms.Form):
    """Accepting a petition on a matter concluded after re-examination: a person judges whether its facts
    and reasons are the same (Art. 36 ¶3)."""

    NOT_ACCEPT_AGAIN, ACCEPT = "not_accept_again", "accept"

    concluded_case = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (NOT_ACCEPT_AGAIN, _("The same facts and reasons: not accepted again, citing the concluded case")),
            (ACCEPT, _("New facts or reasons: accept as a new matter")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        help_text=_("Required to refuse: it goes into the notice to the petitioner."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    new_facts = forms.CharField(
        label=_("What is new"),
        required=False,
        help_text=_("Required to accept: the facts or reasons the concluded case did not examine."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttachmentForm(BootstrapMixin, forms.Form):
    # The form's metaclass moves declared fields into base_fields, so this does not replace BaseForm.files.
    files = MultipleFileField(label=_("Add attachments"))  # type: ignore[assignment]

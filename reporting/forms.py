"""The report's inputs, checked once for the page and the API alike (the API answers a form's errors
as a 400 with field errors)."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.models import ReportFormat
from reporting.periods import Period
from reporting.selectors import earliest_petition_date


class PeriodForm(forms.Form):
    """A month (year and month), or a range of days (date_from and date_to). With neither, the
    month before this one: the month the county office reports on."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), required=False, min_value=1, max_value=12)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1)

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        year, month, date_from, date_to = data.get("year"), data.get("month"), data.get("date_from"), data.get("date_to")
        if (year or month) and (date_from or date_to):
            raise forms.ValidationError(_("Give either a month or a range of dates, not both."))
        if date_from or date_to:
            if not (date_from and date_to):
                raise forms.ValidationError({"date_to" if date_from else "date_from": _("Give both the first and the last day.")})
            if date_to < date_from:
                raise forms.ValidationError({"date_to": _("The last day is before the first day.")})
            period = Period(date_from, date_to)
        elif year or month:
            if not (year and month):
                raise forms.ValidationError({"month" if year else "year": _("Give both the year and the month.")})
            period = Period.month(year, month)
        else:
            last_month = self.today.replace(day=1).toordinal() - 1
            previous = date.fromordinal(last_month)
            period = Period.month(previous.year, previous.month)
        self._check_has_data(period)
        data["period"] = period
        return data

    def _check_has_data(self, period: Period) -> None:
        if period.start > self.today:
            raise forms.ValidationError(_("That period has not begun yet: there are no figures for it."))
        first = earliest_petition_date()
        if first is None:
            raise forms.ValidationError(_("No petition has been registered yet, so there are no figures to report."))
        if period.end < first:
            raise forms.ValidationError(
                _("That period ends before the first petition was received (%(first)s): there are no figures for it.")
                % {"first": first.isoformat()}
            )


class ExportForm(PeriodForm):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ReportFormat.choices,
        error_messages={"invalid_choice": _("Unknown format %(value)s: choose pdf, xlsx or csv.")},
    )


class MonthForm(forms.Form):
    """A month to close or reopen."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)


class ReopenForm(MonthForm):
    reason = forms.CharField(label=_("Reason for reopening"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

"""KPI targets and the measurements entered against them on the site."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import DateInput, Form
from kpis.catalogue import display_name
from kpis.models import Kpi
from kpis.services import FUTURE_PERIOD_SLACK

# Plain strings (tests compare with them); translated where they are shown.
MSG_BASELINE_WINDOW = gettext_noop("The baseline window must end on or after it starts.")
HELP_PERIOD = gettext_noop(
    "The day the value was measured; today unless you enter an earlier one. Values dated on or after "
    "{start} (the day this cycle started) count for this cycle; dates after tomorrow are refused."
)


class KpiTargetForm(Form):
    kpi = forms.ModelChoiceField(label=_("KPI"), queryset=Kpi.objects.none())
    segment = forms.CharField(
        label=_("Segment"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for the whole service (or e.g. chat, phone)."),
    )
    baseline_value = forms.FloatField(label=_("Baseline"))
    baseline_start = forms.DateField(label=_("Baseline from"), widget=DateInput(), required=False)
    baseline_end = forms.DateField(label=_("Baseline to"), widget=DateInput(), required=False)
    target_value = forms.FloatField(label=_("Target"))
    target_date = forms.DateField(label=_("Target date"), widget=DateInput(), required=False)
    is_primary = forms.BooleanField(label=_("Primary target"), required=False, initial=True)
    unit_value_per_month = forms.DecimalField(
        label=_("Money value of one unit per month"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Optional: what one unit of improvement is worth each month (feeds ROI)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = Kpi.objects.active().order_by("name")
        self.fields["kpi"].label_from_instance = lambda kpi: f"{display_name(kpi.name)} ({kpi.code})"

    def clean(self):
        data = super().clean()
        start, end = data.get("baseline_start"), data.get("baseline_end")
        if start and end and end < start:
            self.add_error("baseline_end", gettext(MSG_BASELINE_WINDOW))
        return data


class MeasurementForm(Form):
    target = forms.ChoiceField(label=_("KPI"))
    period = forms.DateField(label=_("Period"), widget=DateInput(), initial=timezone.localdate)
    value = forms.FloatField(label=_("Value"))
    sample_size = forms.IntegerField(
        label=_("Sample size"),
        min_value=0,
        required=False,
        help_text=_(
            "For a rate: the period's contacts, surveys or tickets. Rates are then charted as rates."
        ),
    )
    numerator = forms.IntegerField(
        min_value=0,
        required=False,
        label=_("Of which counted"),
        help_text=_("How many of the sample counted (resolved first time, transferred, complained)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2_000
    )
    assignable_cause = forms.CharField(
        label=_("Assignable cause"),
        required=False,
        max_length=200,
        help_text=_("The special cause behind an unusual point, once found."),
    )

    def __init__(self, *args, targets, cycle_started_on: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        # The same bounds the measurement service and the Do → Check gate apply, said up front.
        latest = timezone.localdate() + FUTURE_PERIOD_SLACK
        self.fields["period"].widget.attrs["max"] = latest.isoformat()
        self.fields["period"].help_text = gettext(HELP_PERIOD).format(
            start=date_format(cycle_started_on, "j M Y")
        )
        self.targets = {str(t.pk): t for t in targets}
        self.fields["target"].choices = [
            (str(t.pk), display_name(t.kpi.name) + (f" ({t.segment})" if t.segment else "")) for t in targets
        ]

    def clean_target(self):
        return self.targets[self.cleaned_data["target"]]

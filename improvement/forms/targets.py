"""KPI targets and the measurements entered against them on the site."""

from django import forms
from django.utils import timezone

from improvement.forms.common import DateInput, Form
from kpis.models import Kpi

MSG_BASELINE_WINDOW = "The baseline window must end on or after it starts."


class KpiTargetForm(Form):
    kpi = forms.ModelChoiceField(label="KPI", queryset=Kpi.objects.none())
    segment = forms.CharField(
        max_length=100, required=False, help_text="Leave empty for the whole service (or e.g. chat, phone)."
    )
    baseline_value = forms.FloatField(label="Baseline")
    baseline_start = forms.DateField(label="Baseline from", widget=DateInput(), required=False)
    baseline_end = forms.DateField(label="Baseline to", widget=DateInput(), required=False)
    target_value = forms.FloatField(label="Target")
    target_date = forms.DateField(label="Target date", widget=DateInput(), required=False)
    is_primary = forms.BooleanField(label="Primary target", required=False, initial=True)
    unit_value_per_month = forms.DecimalField(
        label="Money value of one unit per month",
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text="Optional: what one unit of improvement is worth each month (feeds ROI).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = Kpi.objects.active().order_by("name")

    def clean(self):
        data = super().clean()
        start, end = data.get("baseline_start"), data.get("baseline_end")
        if start and end and end < start:
            self.add_error("baseline_end", MSG_BASELINE_WINDOW)
        return data


class MeasurementForm(Form):
    target = forms.ChoiceField(label="KPI")
    period = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    value = forms.FloatField()
    sample_size = forms.IntegerField(min_value=0, required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {str(t.pk): t for t in targets}
        self.fields["target"].choices = [
            (str(t.pk), f"{t.kpi.name}{f' ({t.segment})' if t.segment else ''}") for t in targets
        ]

    def clean_target(self):
        return self.targets[self.cleaned_data["target"]]

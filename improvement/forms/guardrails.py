"""The guardrail settings form of the experiment page: metric type and tolerance of one guardrail KPI."""

from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import Form
from improvement.models import MetricType


class GuardrailForm(Form):
    """The service judges the values; its errors land on these fields."""

    kpi = forms.CharField(widget=forms.HiddenInput)
    metric_type = forms.ChoiceField(label=_("Measured as"), choices=MetricType.choices)
    tolerance = forms.FloatField(
        label=_("Tolerance"),
        help_text=_("How much worse it may get before it blocks shipping, relative: 0.02 = 2 %."),
        widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
    )

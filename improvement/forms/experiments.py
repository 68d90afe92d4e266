"""Experiments on the site: design and variants, data entry and upload, the planner, concluding."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from improvement.forms.common import Form
from improvement.models import ExperimentDecision, MdeType, MetricType
from kpis.catalogue import display_name
from kpis.models import Kpi
from kpis.stats.sequential import DEFAULT_TUNING

MAX_VARIANTS = 4
# A plain string (tests compare with it); translated where it is shown.
MSG_CONTROL_ROW_EMPTY = gettext_noop("The control must be one of the variants filled in below.")


class KpiMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Kpi) -> str:
        return obj.name


class KpiChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Kpi) -> str:
        return display_name(obj.name)


class ExperimentForm(Form):
    """The design of a draft experiment; its variants come from ``variant_forms`` alongside."""

    name = forms.CharField(label=_("Name"), max_length=200)
    hypothesis = forms.CharField(
        label=_("Hypothesis"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What should change, for whom, and why: “Greeting chats with the bot lifts resolution.”"),
    )
    primary_kpi = KpiChoiceField(label=_("Primary KPI"), queryset=Kpi.objects.none())
    guardrail_kpis = KpiMultipleChoiceField(
        label=_("Guardrail KPIs"),
        queryset=Kpi.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("KPIs the change must not harm."),
    )
    metric_type = forms.ChoiceField(
        label=_("Metric"), choices=MetricType.choices, initial=MetricType.PROPORTION
    )
    alpha = forms.FloatField(label=_("Alpha"), initial=0.05, help_text=_("Significance level, e.g. 0.05."))
    power = forms.FloatField(
        label=_("Power"), initial=0.8, help_text=_("Chance to detect the MDE if it is real, e.g. 0.8.")
    )
    mde = forms.FloatField(
        label=_("Minimum detectable effect"),
        required=False,
        # xgettext:no-python-format (the "%" is a percent sign)
        help_text=_("Relative: 0.05 is 5 % of the control. Absolute: in the KPI's units."),
    )
    mde_type = forms.ChoiceField(label=_("MDE type"), choices=MdeType.choices, initial=MdeType.RELATIVE)
    sequential = forms.BooleanField(
        label=_("Sequential testing"),
        required=False,
        help_text=_("Intervals and p-values that stay valid however often you look at the results."),
    )
    sequential_tuning = forms.FloatField(
        label=_("Sequential tuning (N*)"),
        required=False,
        initial=DEFAULT_TUNING,
        help_text=_("Total users at which the intervals are tightest: your planned sample size."),
    )
    control = forms.TypedChoiceField(
        label=_("Control"),
        choices=[(i, format_lazy(_("Variant {number}"), number=i + 1)) for i in range(MAX_VARIANTS)],
        coerce=int,
        initial=0,
        widget=forms.RadioSelect,
    )

    def clean_sequential_tuning(self):
        # Left empty: the default N*. Its range is the service's rule.
        value = self.cleaned_data["sequential_tuning"]
        return DEFAULT_TUNING if value is None else value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kpis = Kpi.objects.active().order_by("name")
        self.fields["primary_kpi"].queryset = kpis
        self.fields["guardrail_kpis"].queryset = kpis


class ExperimentEditForm(ExperimentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VariantForm(Form):
    """One row of the variants table; a row with neither key nor name is not a variant."""

    key = forms.CharField(
        label=_("Key"), max_length=50, required=False, widget=forms.TextInput(attrs={"size": 12})
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    weight = forms.FloatField(
        label=_("Weight"),
        required=False,
        initial=1,
        widget=forms.NumberInput(attrs={"step": "any", "size": 5}),
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("key") and not data.get("name")


def variant_forms(data=None, *, initial: list[dict] | None = None) -> list[VariantForm]:
    initial = initial or []
    return [
        VariantForm(data, prefix=f"variant-{i}", initial=initial[i] if i < len(initial) else None)
        for i in range(MAX_VARIANTS)
    ]


ENTRY_MEAN_SD = "mean_sd"
ENTRY_SUMS = "sums"
ENTRIES = (ENTRY_MEAN_SD, ENTRY_SUMS)


class VariantDataForm(Form):
    """One variant's data; the fields its metric and way of entry do not use are removed.

    A mean is entered as users, mean and standard deviation (``entry="mean_sd"``, the default), or
    as the sums of values and of squared values (``entry="sums"``) by those who have them; the
    service turns the former into the latter exactly and puts its refusals on these fields.
    """

    users = forms.IntegerField(label=_("Users"), widget=forms.NumberInput(attrs={"min": 0}))
    conversions = forms.IntegerField(label=_("Conversions"), widget=forms.NumberInput(attrs={"min": 0}))
    mean = forms.DecimalField(label=_("Mean"), widget=forms.NumberInput(attrs={"step": "any"}))
    sd = forms.DecimalField(
        label=_("Standard deviation"), widget=forms.NumberInput(attrs={"step": "any", "min": 0})
    )
    sum = forms.FloatField(label=_("Sum of values"), widget=forms.NumberInput(attrs={"step": "any"}))
    sum_squares = forms.FloatField(
        label=_("Sum of squared values"), widget=forms.NumberInput(attrs={"step": "any", "min": 0})
    )
    # CUPED, optional: the same users' values before the experiment (x) and Σ value × x.
    pre_sum = forms.FloatField(
        label=_("Pre-period sum"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    pre_sum_squares = forms.FloatField(
        label=_("Pre-period sum of squares"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "min": 0}),
    )
    sum_product = forms.FloatField(
        label=_("Sum of value × pre-period value"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def __init__(self, *args, metric: str, entry: str = ENTRY_MEAN_SD, **kwargs):
        super().__init__(*args, **kwargs)
        pre = ("pre_sum", "pre_sum_squares", "sum_product")
        if metric == MetricType.PROPORTION:
            unused = ("mean", "sd", "sum", "sum_squares", *pre)
        elif entry == ENTRY_SUMS:
            unused = ("conversions", "mean", "sd")
        else:
            unused = ("conversions", "sum", "sum_squares", *pre)
        for name in unused:
            del self.fields[name]


class ObservationsUploadForm(Form):
    observations = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A header row with the columns variant and value, then one row per user. "
            "For a proportion the value is 0 or 1. For a mean, an optional pre_value column (each user's "
            "value before the experiment) adds the CUPED read-out."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label=_("The file holds"),
        choices=[
            ("replace", _("All the data: replace every variant's totals")),
            ("add", _("More data: add to the totals")),
        ],
        initial="replace",
        widget=forms.RadioSelect,
    )


# The planner and concluding -------------------------------------------------------------------------


class SampleSizeForm(Form):
    """The experiment page's planner; read with GET, computed by ``experiment_plan``."""

    metric_type = forms.ChoiceField(label=_("Metric type"), choices=MetricType.choices)
    baseline = forms.FloatField(label=_("Baseline"), help_text=_("The control's rate (0–1) or mean."))
    sd = forms.FloatField(
        label=_("Standard deviation"),
        required=False,
        help_text=_("The control's standard deviation (means only)."),
    )
    mde = forms.FloatField(label=_("Minimum detectable effect"))
    mde_type = forms.ChoiceField(label=_("MDE type"), choices=MdeType.choices)
    alpha = forms.FloatField(label=_("Alpha"), initial=0.05)
    power = forms.FloatField(label=_("Power"), initial=0.8)
    daily_users = forms.FloatField(
        label=_("Daily users"), min_value=0, help_text=_("Users entering the experiment per day, all arms.")
    )


class ExperimentConcludeForm(Form):
    # No decision is pre-selected: shipping must be chosen, never the default of a form.
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose a decision")), *ExperimentDecision.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

"""Forms of the site: shape and HTML only. The rules live in the services the views call."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, Team, User
from improvement.models import (
    STAGE_ORDER,
    BenefitKind,
    BenefitNature,
    BreakpointType,
    Category,
    CostKind,
    Decision,
    ExperimentDecision,
    Health,
    MdeType,
    MetricType,
    MilestoneStatus,
    Phase,
    Stage,
    Status,
)
from kpis.models import Kpi

ANY = [("", "Any")]
SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]
MAX_SEARCH_LENGTH = 100

MSG_END_BEFORE_START = "The target end must be on or after the start date."
MSG_BASELINE_WINDOW = "The baseline window must end on or after it starts."


class Form(forms.Form):
    """Labels without a trailing colon, like the rest of the site."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


def people(*roles: str):
    queryset = User.objects.filter(is_active=True)
    if roles:
        queryset = queryset.filter(Q(role__in=roles) | Q(is_superuser=True))
    return queryset.order_by("full_name", "email")


# Filters (GET) ----------------------------------------------------------------------------------


class InitiativeFilterForm(Form):
    q = forms.CharField(label="Search", required=False, max_length=MAX_SEARCH_LENGTH)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="Any")
    stage = forms.ChoiceField(choices=ANY + Stage.choices, required=False)
    status = forms.ChoiceField(choices=ANY + Status.choices, required=False)
    health = forms.ChoiceField(choices=ANY + Health.choices, required=False)
    category = forms.ChoiceField(choices=ANY + Category.choices, required=False)
    mine = forms.BooleanField(label="Only initiatives I lead", required=False)
    at_risk = forms.BooleanField(label="Only those needing attention", required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class Period:
    QUARTER = "quarter"
    YEAR = "year"
    LAST_12_MONTHS = "12m"
    CHOICES = [
        ("", "Any time"),
        (QUARTER, "This quarter"),
        (YEAR, "This year"),
        (LAST_12_MONTHS, "Last 12 months"),
    ]

    @classmethod
    def start(cls, value: str, *, today: dt.date) -> dt.date | None:
        if value == cls.QUARTER:
            return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if value == cls.YEAR:
            return dt.date(today.year, 1, 1)
        if value == cls.LAST_12_MONTHS:
            return today - dt.timedelta(days=365)
        return None


class DashboardFilterForm(Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    category = forms.ChoiceField(choices=[("", "All categories"), *Category.choices], required=False)
    period = forms.ChoiceField(label="Started", choices=Period.CHOICES, required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class RoadmapFilterForm(Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    owner = PersonChoiceField(queryset=User.objects.none(), required=False, empty_label="Everyone")
    start = forms.DateField(label="From", required=False, widget=DateInput())

    def __init__(self, *args, teams, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = owners


# Initiatives ------------------------------------------------------------------------------------


class InitiativeForm(Form):
    title = forms.CharField(max_length=200)
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    category = forms.ChoiceField(choices=Category.choices, initial=Category.OTHER)
    breakpoint_type = forms.ChoiceField(
        label="Service break-point type", choices=BreakpointType.choices, initial=BreakpointType.PROCESS
    )
    problem_statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    smart_goal = forms.CharField(
        label="SMART goal",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Specific, measurable, achievable, relevant, time-bound. Needed to leave Plan.",
    )
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    impact = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, initial=3, help_text="1 low – 5 high")
    effort = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, initial=3, help_text="1 low – 5 high")
    start_date = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    target_end_date = forms.DateField(widget=DateInput(), required=False)
    lead = PersonChoiceField(queryset=User.objects.none(), required=False, empty_label="Me")
    sponsor = PersonChoiceField(
        label="Executive sponsor", queryset=User.objects.none(), required=False, empty_label="None"
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["lead"].queryset = people(Role.LEAD, Role.ADMIN)
        self.fields["sponsor"].queryset = people(Role.EXECUTIVE, Role.ADMIN)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("target_end_date")
        if start and end and end < start:
            self.add_error("target_end_date", MSG_END_BEFORE_START)
        return data


class InitiativeCreateForm(InitiativeForm):
    with_standard_plan = forms.BooleanField(
        label="Add the standard 90-day plan",
        required=False,
        initial=True,
        help_text="15 milestones in three 30-day phases, due from the start date, owned by the lead.",
    )


class InitiativeEditForm(InitiativeForm):
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].required = True
        self.fields["lead"].empty_label = None


# Stages -----------------------------------------------------------------------------------------


class TransitionForm(Form):
    to = forms.ChoiceField(label="Move to", choices=Stage.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reason = forms.CharField(
        label="Reason for stepping back",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Needed when moving to an earlier stage.",
    )
    override_reason = forms.CharField(
        label="Override reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Executives and admins only: move although the gate is not met, and say why.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
    next = forms.CharField(widget=forms.HiddenInput(), required=False)

    def __init__(self, *args, stage: str, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        index = STAGE_ORDER.index(stage)
        allowed = [s for s in STAGE_ORDER if s != stage and STAGE_ORDER.index(s) <= index + 1]
        self.fields["to"].choices = [(s.value, s.label) for s in allowed]
        if not can_override:
            del self.fields["override_reason"]


class DecisionForm(Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())


class StatusUpdateForm(Form):
    date = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    health = forms.ChoiceField(choices=Health.choices)
    narrative = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, strip=True
    )


# Targets and measurements -----------------------------------------------------------------------


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


# Milestones -------------------------------------------------------------------------------------


class MilestoneForm(Form):
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=DateInput())
    owner = PersonChoiceField(queryset=User.objects.none(), required=False, empty_label="The lead")
    phase = forms.ChoiceField(choices=[("", "—"), *Phase.choices], required=False)
    acceptance_criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class MilestoneEditForm(MilestoneForm):
    status = forms.ChoiceField(choices=MilestoneStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["owner"].empty_label = None


class MilestoneOwnerForm(Form):
    """What a milestone's owner may change without editing rights on the initiative."""

    status = forms.ChoiceField(choices=MilestoneStatus.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())


# Money ------------------------------------------------------------------------------------------


class CostForm(Form):
    kind = forms.ChoiceField(choices=CostKind.choices)
    description = forms.CharField(max_length=200)
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, help_text="One-time: the whole amount. Recurring: per month."
    )
    start_month = forms.IntegerField(
        min_value=1, initial=1, help_text="Recurring costs: the month (from the start date) they begin."
    )


class BenefitForm(Form):
    kind = forms.ChoiceField(choices=BenefitKind.choices)
    nature = forms.ChoiceField(choices=BenefitNature.choices, initial=BenefitNature.HARD)
    description = forms.CharField(max_length=200)
    monthly_amount = forms.DecimalField(max_digits=14, decimal_places=2)
    start_month = forms.IntegerField(
        min_value=1, initial=1, help_text="The month (from the start date) the benefit begins."
    )


class SampleSizeForm(Form):
    """The experiment page's planner; read with GET, computed by ``experiment_plan``."""

    metric_type = forms.ChoiceField(choices=MetricType.choices)
    baseline = forms.FloatField(help_text="The control's rate (0–1) or mean.")
    sd = forms.FloatField(
        label="Standard deviation", required=False, help_text="The control's standard deviation (means only)."
    )
    mde = forms.FloatField(label="Minimum detectable effect")
    mde_type = forms.ChoiceField(label="MDE type", choices=MdeType.choices)
    alpha = forms.FloatField(initial=0.05)
    power = forms.FloatField(initial=0.8)
    daily_users = forms.FloatField(min_value=0, help_text="Users entering the experiment per day, all arms.")


class ExperimentConcludeForm(Form):
    decision = forms.ChoiceField(choices=ExperimentDecision.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


# Experiments: design, variants, data --------------------------------------------------------------

MAX_VARIANTS = 4
MSG_CONTROL_ROW_EMPTY = "The control must be one of the variants filled in below."


class KpiMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Kpi) -> str:
        return obj.name


class KpiChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Kpi) -> str:
        return obj.name


class ExperimentForm(Form):
    """The design of a draft experiment; its variants come from ``variant_forms`` alongside."""

    name = forms.CharField(max_length=200)
    hypothesis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What should change, for whom, and why: “Greeting chats with the bot lifts resolution.”",
    )
    primary_kpi = KpiChoiceField(label="Primary KPI", queryset=Kpi.objects.none())
    guardrail_kpis = KpiMultipleChoiceField(
        label="Guardrail KPIs",
        queryset=Kpi.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="KPIs the change must not harm.",
    )
    metric_type = forms.ChoiceField(label="Metric", choices=MetricType.choices, initial=MetricType.PROPORTION)
    alpha = forms.FloatField(initial=0.05, help_text="Significance level, e.g. 0.05.")
    power = forms.FloatField(initial=0.8, help_text="Chance to detect the MDE if it is real, e.g. 0.8.")
    mde = forms.FloatField(
        label="Minimum detectable effect",
        required=False,
        help_text="Relative: 0.05 is 5 % of the control. Absolute: in the KPI's units.",
    )
    mde_type = forms.ChoiceField(label="MDE type", choices=MdeType.choices, initial=MdeType.RELATIVE)
    control = forms.TypedChoiceField(
        label="Control",
        choices=[(i, f"Variant {i + 1}") for i in range(MAX_VARIANTS)],
        coerce=int,
        initial=0,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kpis = Kpi.objects.active().order_by("name")
        self.fields["primary_kpi"].queryset = kpis
        self.fields["guardrail_kpis"].queryset = kpis


class ExperimentEditForm(ExperimentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VariantForm(Form):
    """One row of the variants table; a row with neither key nor name is not a variant."""

    key = forms.CharField(max_length=50, required=False, widget=forms.TextInput(attrs={"size": 12}))
    name = forms.CharField(max_length=100, required=False)
    weight = forms.FloatField(
        required=False, initial=1, widget=forms.NumberInput(attrs={"step": "any", "size": 5})
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


class VariantDataForm(Form):
    """One variant's totals; the fields a metric does not use are removed."""

    users = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0}))
    conversions = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0}))
    sum = forms.FloatField(label="Sum of values", widget=forms.NumberInput(attrs={"step": "any"}))
    sum_squares = forms.FloatField(
        label="Sum of squared values", widget=forms.NumberInput(attrs={"step": "any", "min": 0})
    )

    def __init__(self, *args, metric: str, **kwargs):
        super().__init__(*args, **kwargs)
        unused = ("sum", "sum_squares") if metric == MetricType.PROPORTION else ("conversions",)
        for name in unused:
            del self.fields[name]


class ObservationsUploadForm(Form):
    observations = forms.FileField(
        label="CSV file",
        help_text="A header row with the columns variant and value, then one row per user. "
        "For a proportion the value is 0 or 1.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label="The file holds",
        choices=[
            ("replace", "All the data: replace every variant's totals"),
            ("add", "More data: add to the totals"),
        ],
        initial="replace",
        widget=forms.RadioSelect,
    )

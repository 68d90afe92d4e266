"""Initiatives on the site: their filters (list and dashboard), create and edit, status updates."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts.models import Role, Team, User
from improvement.forms.common import DateInput, Form, PersonChoiceField, people
from improvement.models import BreakpointType, Category, Health, Stage, Status
from improvement.models.initiatives import (
    MAX_DISCOUNT_RATE,
    MAX_HORIZON_MONTHS,
    MIN_DISCOUNT_RATE,
    MIN_HORIZON_MONTHS,
)

ANY = [("", "Any")]
SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]
MAX_SEARCH_LENGTH = 100

MSG_END_BEFORE_START = "The target end must be on or after the start date."


# Filters (GET) ----------------------------------------------------------------------------------


class InitiativeFilterForm(Form):
    q = forms.CharField(label="Search", required=False, max_length=MAX_SEARCH_LENGTH)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="Any")
    stage = forms.ChoiceField(choices=ANY + Stage.choices, required=False)
    status = forms.ChoiceField(choices=ANY + Status.choices, required=False)
    health = forms.ChoiceField(choices=ANY + Health.choices, required=False)
    category = forms.ChoiceField(choices=ANY + Category.choices, required=False)
    mine = forms.BooleanField(label="Only initiatives I lead", required=False)
    at_risk = forms.BooleanField(label="Only those at risk", required=False)
    sort = forms.ChoiceField(label="Sort by", choices=[("", "Code")], required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["sort"].choices = [("", "Code"), *MoneySort.CHOICES]


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


class MoneySort:
    """How the money tables sort: "<figure>_<asc|desc>"; the figures are the selectors' MONEY_SORTS."""

    LABELS = {
        "roi": ("ROI %", "highest first", "lowest first"),
        "payback": ("Payback", "longest first", "soonest first"),
        "npv": ("NPV", "highest first", "lowest first"),
        "net": ("Net benefit", "highest first", "lowest first"),
        "investment": ("Investment", "largest first", "smallest first"),
    }
    CHOICES = [
        (f"{key}_{direction}", f"{label} — {desc if direction == 'desc' else asc}")
        for key, (label, desc, asc) in LABELS.items()
        for direction in ("desc", "asc")
    ]

    @staticmethod
    def parse(value: str) -> tuple[str, bool] | None:
        """(figure, descending), or None for the default order."""
        if not value:
            return None
        key, direction = value.rsplit("_", 1)
        return key, direction == "desc"


class DashboardFilterForm(Form):
    q = forms.CharField(label="Search", required=False, max_length=MAX_SEARCH_LENGTH)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    category = forms.ChoiceField(choices=[("", "All categories"), *Category.choices], required=False)
    stage = forms.ChoiceField(choices=[("", "All stages"), *Stage.choices], required=False)
    # The portfolio leaves abandoned initiatives out.
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *[c for c in Status.choices if c[0] != Status.ABANDONED]],
        required=False,
    )
    period = forms.ChoiceField(label="Started", choices=Period.CHOICES, required=False)
    at_risk = forms.BooleanField(label="Only those at risk", required=False)
    # No blank choice: an unsorted request shows the default, the first (ROI, highest first).
    sort = forms.ChoiceField(label="Rank by", choices=MoneySort.CHOICES, required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


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
    payback_target_months = forms.DecimalField(
        label="Payback target (months)",
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        required=False,
        help_text="Empty: the organisation's target.",
    )
    # Range checks are the model's (the service reports them on these fields).
    horizon_months = forms.IntegerField(
        label="ROI horizon (months)",
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_HORIZON_MONTHS, "max": MAX_HORIZON_MONTHS}),
        help_text="Months the money is counted over. Empty: the organisation's horizon.",
    )
    discount_rate = forms.FloatField(
        label="Annual discount rate",
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_DISCOUNT_RATE, "max": MAX_DISCOUNT_RATE, "step": "any"}),
        help_text="A fraction: 0.08 is 8 % a year. Empty: the organisation's rate.",
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


# Status updates ---------------------------------------------------------------------------------


class StatusUpdateForm(Form):
    date = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    health = forms.ChoiceField(choices=Health.choices)
    narrative = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, strip=True
    )

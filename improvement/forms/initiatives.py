"""Initiatives on the site: their filters (list and dashboard), create and edit, status updates."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from improvement.forms.common import DateInput, Form, PersonChoiceField, people
from improvement.models import BreakpointType, Category, Health, Stage, Status
from improvement.models.initiatives import (
    MAX_DISCOUNT_RATE,
    MAX_HORIZON_MONTHS,
    MIN_DISCOUNT_RATE,
    MIN_HORIZON_MONTHS,
)

ANY = [("", _("Any"))]
SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]
MAX_SEARCH_LENGTH = 100

# A plain string (tests compare with it); translated where it is shown.
MSG_END_BEFORE_START = gettext_noop("The target end must be on or after the start date.")


# Filters (GET) ----------------------------------------------------------------------------------


class InitiativeFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH_LENGTH)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any")
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=ANY + Stage.choices, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ANY + Status.choices, required=False)
    health = forms.ChoiceField(label=_("Health"), choices=ANY + Health.choices, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=ANY + Category.choices, required=False)
    mine = forms.BooleanField(label=_("Only initiatives I lead"), required=False)
    at_risk = forms.BooleanField(label=_("Only those at risk"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=[("", _("Code"))], required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["sort"].choices = [("", _("Code")), *MoneySort.CHOICES]


class Period:
    QUARTER = "quarter"
    YEAR = "year"
    LAST_12_MONTHS = "12m"
    CHOICES = [
        ("", _("Any time")),
        (QUARTER, _("This quarter")),
        (YEAR, _("This year")),
        (LAST_12_MONTHS, _("Last 12 months")),
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
        "roi": (_("ROI %"), _("highest first"), _("lowest first")),
        "payback": (_("Payback"), _("longest first"), _("soonest first")),
        "npv": (_("NPV"), _("highest first"), _("lowest first")),
        "net": (_("Net benefit"), _("highest first"), _("lowest first")),
        "investment": (_("Investment"), _("largest first"), _("smallest first")),
    }
    CHOICES = [
        (
            f"{key}_{direction}",
            format_lazy(_("{figure} — {order}"), figure=label, order=desc if direction == "desc" else asc),
        )
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
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH_LENGTH)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("All stages")), *Stage.choices], required=False
    )
    # The portfolio leaves abandoned initiatives out.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *[c for c in Status.choices if c[0] != Status.ABANDONED]],
        required=False,
    )
    period = forms.ChoiceField(label=_("Started"), choices=Period.CHOICES, required=False)
    at_risk = forms.BooleanField(label=_("Only those at risk"), required=False)
    # No blank choice: an unsorted request shows the default, the first (ROI, highest first).
    sort = forms.ChoiceField(label=_("Rank by"), choices=MoneySort.CHOICES, required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


# Initiatives ------------------------------------------------------------------------------------


class InitiativeForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.OTHER)
    breakpoint_type = forms.ChoiceField(
        label=_("Service break-point type"), choices=BreakpointType.choices, initial=BreakpointType.PROCESS
    )
    problem_statement = forms.CharField(
        label=_("Problem statement"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    smart_goal = forms.CharField(
        label=_("SMART goal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Specific, measurable, achievable, relevant, time-bound. Needed to leave Plan."),
    )
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    impact = forms.TypedChoiceField(
        label=_("Impact"), choices=SCORE_CHOICES, coerce=int, initial=3, help_text=_("1 low – 5 high")
    )
    effort = forms.TypedChoiceField(
        label=_("Effort"), choices=SCORE_CHOICES, coerce=int, initial=3, help_text=_("1 low – 5 high")
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), initial=timezone.localdate)
    target_end_date = forms.DateField(label=_("Target end date"), widget=DateInput(), required=False)
    lead = PersonChoiceField(
        label=_("Lead"), queryset=User.objects.none(), required=False, empty_label=_("Me")
    )
    sponsor = PersonChoiceField(
        label=_("Executive sponsor"), queryset=User.objects.none(), required=False, empty_label=_("None")
    )
    payback_target_months = forms.DecimalField(
        label=_("Payback target (months)"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        required=False,
        help_text=_("Empty: the organisation's target."),
    )
    # Range checks are the model's (the service reports them on these fields).
    horizon_months = forms.IntegerField(
        label=_("ROI horizon (months)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_HORIZON_MONTHS, "max": MAX_HORIZON_MONTHS}),
        help_text=_("Months the money is counted over. Empty: the organisation's horizon."),
    )
    discount_rate = forms.FloatField(
        label=_("Annual discount rate"),
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_DISCOUNT_RATE, "max": MAX_DISCOUNT_RATE, "step": "any"}),
        help_text=_("A fraction: 0.08 is 8 % a year. Empty: the organisation's rate."),
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
            self.add_error("target_end_date", gettext(MSG_END_BEFORE_START))
        return data


class InitiativeCreateForm(InitiativeForm):
    with_standard_plan = forms.BooleanField(
        label=_("Add the standard 90-day plan"),
        required=False,
        initial=True,
        help_text=_("15 milestones in three 30-day phases, due from the start date, owned by the lead."),
    )


class InitiativeEditForm(InitiativeForm):
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].required = True
        self.fields["lead"].empty_label = None


# Status updates ---------------------------------------------------------------------------------


class StatusUpdateForm(Form):
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    health = forms.ChoiceField(label=_("Health"), choices=Health.choices)
    narrative = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, strip=True
    )

"""Ideas on the site: the triage filters, the idea form and the three decisions."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team
from improvement.forms.common import DateInput, Form, PersonChoiceField, people
from improvement.models import BreakpointType, Idea, IdeaStatus
from improvement.services.ideas import EDITABLE_FIELDS
from kpis.catalogue import display_name
from kpis.models import Kpi

ANY = [("", _("Any"))]
MAX_SEARCH_LENGTH = 100
SCORES = [(n, str(n)) for n in range(1, 6)]


def _kpis():
    return Kpi.objects.active().order_by("name")


def _kpi_label(kpi: Kpi) -> str:
    return display_name(kpi.name)


class IdeaFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH_LENGTH)
    status = forms.ChoiceField(label=_("Status"), choices=ANY + IdeaStatus.choices, required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any")
    )
    kpi = forms.ModelChoiceField(
        label=_("KPI"), queryset=Kpi.objects.none(), required=False, empty_label=_("Any")
    )
    breakpoint_type = forms.ChoiceField(
        label=_("Service break-point"), choices=ANY + BreakpointType.choices, required=False
    )
    mine = forms.BooleanField(label=_("Only ideas I submitted"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.active().order_by("name")
        self.fields["kpi"].queryset = _kpis()
        self.fields["kpi"].label_from_instance = _kpi_label


class IdeaForm(forms.ModelForm):
    """Submitting or editing an idea. The service validates; its errors land on these fields."""

    value = forms.TypedChoiceField(label=_("Value (1–5)"), choices=SCORES, coerce=int, initial=3)
    difficulty = forms.TypedChoiceField(label=_("Difficulty (1–5)"), choices=SCORES, coerce=int, initial=3)
    # The version the editor read: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    class Meta:
        model = Idea
        # What the service lets a person edit, and nothing else.
        fields = list(EDITABLE_FIELDS)
        labels = {
            "title": _("Title"),
            "problem": _("Problem"),
            "kpi": _("Affected KPI"),
            "segment": _("Segment"),
            "breakpoint_type": _("Service break-point"),
            "team": _("Team"),
            "current_value": _("Current value (optional)"),
            "target_value": _("Target value (optional)"),
            "unit_value": _("Money per KPI unit per contact (optional)"),
            "monthly_volume": _("Contacts a month (optional)"),
        }
        help_texts = {
            "segment": _("A channel, team or region, e.g. chat."),
            "team": _("The team whose leads triage it; leave empty if unsure."),
        }
        widgets = {"problem": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = _kpis()
        self.fields["kpi"].label_from_instance = _kpi_label
        self.fields["team"].queryset = Team.objects.active().order_by("name")
        # The service says what a title needs (the same message on the site and in the API).
        self.fields["title"].required = False

    def _post_clean(self):
        # The service validates the model (and says so on the fields); the form only parses input.
        pass


class IdeaAcceptForm(Form):
    team = forms.ModelChoiceField(label=_("Team of the initiative"), queryset=Team.objects.none())
    lead = PersonChoiceField(label=_("Lead"), queryset=people(Role.LEAD, Role.ADMIN))
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class IdeaDeclineForm(Form):
    reason = forms.CharField(
        label=_("Reason (the submitter is told)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


MSG_NO_SUCH_IDEA = _("No idea has this reference, or you cannot see it.")
REFERENCE = re.compile(r"^\s*(?:IDEA-)?0*(\d{1,18})\s*$", re.IGNORECASE)


class IdeaMergeForm(Form):
    """The kept idea by its reference (IDEA-0042, or 42): a picker of every idea would not scale."""

    into = forms.CharField(label=_("Duplicate of (e.g. IDEA-0042)"), max_length=30)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_into(self):
        match = REFERENCE.match(self.cleaned_data["into"])
        found = self.candidates.filter(pk=int(match[1])).first() if match else None
        if found is None:
            raise forms.ValidationError(MSG_NO_SUCH_IDEA)
        return found

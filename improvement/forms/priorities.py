"""The prioritisation pages' filters and the admins' settings form."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from improvement.forms.common import Form
from improvement.models import BreakpointType
from improvement.models.ideas import WEIGHT_VALIDATORS
from improvement.selectors.priorities import Items, PriorityFilters
from improvement.services.priorities import MIX_FIELDS, WEIGHT_FIELDS
from kpis.models import Kpi

ITEM_CHOICES = [
    (Items.BOTH, _("Ideas and initiatives")),
    (Items.IDEAS, _("Ideas")),
    (Items.INITIATIVES, _("Plan-stage initiatives")),
]


class PriorityFilterForm(Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    kpi = forms.ModelChoiceField(
        label=_("KPI"), queryset=Kpi.objects.none(), required=False, empty_label=_("All KPIs")
    )
    breakpoint_type = forms.ChoiceField(
        label=_("Break-point type"),
        choices=[("", _("All types")), *BreakpointType.choices],
        required=False,
    )
    items = forms.ChoiceField(label=_("Items"), choices=ITEM_CHOICES, required=False)

    def __init__(self, *args, teams, kpis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["kpi"].queryset = kpis

    def filters(self) -> PriorityFilters:
        """The filters of a valid form; an invalid one filters nothing (its errors are shown)."""
        data = self.cleaned_data if self.is_valid() else {}
        return PriorityFilters(
            team=data.get("team"),
            kpi=data.get("kpi"),
            breakpoint_type=data.get("breakpoint_type", ""),
            items=data.get("items") or Items.BOTH,
        )


def _percent_field(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=WEIGHT_VALIDATORS[1].limit_value)


class PrioritySettingsForm(Form):
    """Shape only: the service checks that the mix adds up to 100 and that some weight is above 0."""

    weight_value = _percent_field(_("Weight of value (1–5)"))
    weight_money = _percent_field(_("Weight of money a month"))
    weight_ease = _percent_field(_("Weight of ease (5 − difficulty)"))
    reference_interaction = _percent_field(_("Interaction (%)"))
    reference_process = _percent_field(_("Process (%)"))
    reference_technical = _percent_field(_("Technical (%)"))
    # When the page was read: a save against an older version is refused.
    seen = forms.CharField(widget=forms.HiddenInput(), required=False)

    weight_fields = WEIGHT_FIELDS
    mix_fields = MIX_FIELDS

    def clean_seen(self) -> dt.datetime | None:
        # An ISO time to the microsecond (the default widget format would drop them); a mangled
        # one compares as "not what is stored", so the save is refused, never let through.
        try:
            return dt.datetime.fromisoformat(self.cleaned_data["seen"])
        except ValueError:
            return None if not self.cleaned_data["seen"] else dt.datetime.min.replace(tzinfo=dt.UTC)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in (*WEIGHT_FIELDS, *MIX_FIELDS)}

"""The PDCA board's filter: whose initiatives, which team, which lead."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from improvement.forms.common import Form, PersonChoiceField
from improvement.selectors.board import BoardScope


class BoardFilterForm(Form):
    show = forms.ChoiceField(
        label=_("Show"), choices=[(value, _(label)) for value, label in BoardScope.CHOICES], required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    lead = PersonChoiceField(
        label=_("Lead"), queryset=User.objects.none(), required=False, empty_label=_("Any lead")
    )

    def __init__(self, *args, teams, leads, lead_labels=None, **kwargs):
        """``leads`` checks the lead asked for; ``lead_labels``, (id, name) pairs of the same people,
        lists them when given (a kept list: ``board_lead_labels``)."""
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["lead"].queryset = leads
        if lead_labels is not None:
            self.fields["lead"].choices = [("", self.fields["lead"].empty_label), *lead_labels]

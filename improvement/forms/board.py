"""The PDCA board's filter: whose initiatives, which team, which lead."""

from django import forms

from accounts.models import Team, User
from improvement.forms.common import Form, PersonChoiceField
from improvement.selectors.board import BoardScope


class BoardFilterForm(Form):
    show = forms.ChoiceField(choices=BoardScope.CHOICES, required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    lead = PersonChoiceField(queryset=User.objects.none(), required=False, empty_label="Any lead")

    def __init__(self, *args, teams, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["lead"].queryset = leads

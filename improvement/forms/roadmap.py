"""The 90-day roadmap on the site: its filter and the milestone forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from common.dates import validate_date_in_range
from improvement.forms.common import DateInput, Form, PersonChoiceField, SiteDateField
from improvement.models import MilestoneStatus, Phase


class RoadmapFilterForm(Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    owner = PersonChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Everyone")
    )
    start = SiteDateField(
        label=_("From"),
        required=False,
        validators=[validate_date_in_range],
    )

    def __init__(self, *args, teams, owners, owner_labels=None, **kwargs):
        """``owners`` checks the owner asked for; ``owner_labels``, (id, name) pairs of the same
        people, lists them when given (a cached list: ``milestone_owner_labels``)."""
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = owners
        if owner_labels is not None:
            self.fields["owner"].choices = [("", self.fields["owner"].empty_label), *owner_labels]


class MilestoneForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    owner = PersonChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("The lead")
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=[("", "—"), *Phase.choices], required=False)
    acceptance_criteria = forms.CharField(
        label=_("Acceptance criteria"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class MilestoneEditForm(MilestoneForm):
    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["owner"].empty_label = None


class MilestoneOwnerForm(Form):
    """What a milestone's owner may change without editing rights on the initiative.

    The fields are ``policies.MILESTONE_OWNER_FIELDS``, the same the API lets an owner change.
    """

    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    acceptance_criteria = forms.CharField(
        label=_("Acceptance criteria"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("How everyone will know it is done."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput())

"""PDCA stage moves on the site: moving to another stage and the Act decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import Form
from improvement.models import STAGE_ORDER, Decision, Stage


class TransitionForm(Form):
    """One move: forward through the gate (an override reason for those who may), or back with a reason."""

    to = forms.ChoiceField(label=_("Move to"), choices=Stage.choices, widget=forms.HiddenInput())
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reason = forms.CharField(
        label=_("Reason for stepping back"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Needed when moving to an earlier stage."),
    )
    override_reason = forms.CharField(
        label=_("Override reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Executives and admins only: move although the gate is not met, and say why."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
    next = forms.CharField(widget=forms.HiddenInput(), required=False)

    def __init__(self, *args, stage: str, forward: bool, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        index = STAGE_ORDER.index(stage)
        allowed = [s for s in STAGE_ORDER if s != stage and STAGE_ORDER.index(s) <= index + 1]
        self.fields["to"].choices = [(s.value, s.label) for s in allowed]
        if forward:
            # A reason to step back means nothing on a forward move; the gate is what counts.
            del self.fields["reason"]
        if not (forward and can_override):
            del self.fields["override_reason"]


class DecisionForm(Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    confirm_open = forms.BooleanField(
        label=_("Standardise although the work listed above is still open"),
        required=False,
        help_text=_("Needed only to standardise while milestones are not done or targets not reached."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, open_work: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # What is still open, for the page to list above the confirmation it asks for.
        self.open_work = open_work
        if not open_work:
            del self.fields["confirm_open"]

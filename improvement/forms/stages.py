"""PDCA stage moves on the site: moving to another stage and the Act decision."""

from django import forms

from improvement.forms.common import Form
from improvement.models import STAGE_ORDER, Decision, Stage


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

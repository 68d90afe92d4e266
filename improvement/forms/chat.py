"""The form that adds a chat destination to a team: Slack or Teams, its address and its events."""

from django import forms

from improvement.models import ChatEventType, ChatKind


class ChatDestinationForm(forms.Form):
    kind = forms.ChoiceField(label="Chat app", choices=ChatKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(
        label="Name", max_length=100, required=False, help_text="E.g. the channel: #care-improvement."
    )
    url = forms.CharField(
        label="Incoming-webhook address",
        max_length=500,
        help_text="Slack: https://hooks.slack.com/services/…; Teams: https://….webhook.office.com/…. "
        "Stored as a secret: it is shown masked from now on.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label="Post",
        choices=ChatEventType.choices,
        initial=ChatEventType.values,
        widget=forms.CheckboxSelectMultiple,
    )

"""The form that adds a chat destination to a team: Slack or Teams, its address and its events."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from improvement.models import ChatEventType, ChatKind


class ChatDestinationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Chat app"), choices=ChatKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("E.g. the channel: #care-improvement.")
    )
    url = forms.CharField(
        label=_("Incoming-webhook address"),
        max_length=500,
        help_text=_(
            "Slack: https://hooks.slack.com/services/…; Teams: https://….webhook.office.com/…. "
            "Stored as a secret: it is shown masked from now on."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=pgettext_lazy("chat events to post", "Post"),
        choices=ChatEventType.choices,
        initial=ChatEventType.values,
        widget=forms.CheckboxSelectMultiple,
    )

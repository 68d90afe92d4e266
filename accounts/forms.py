from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import Scope
from accounts.services import MSG_NO_SCOPES


class LoginForm(AuthenticationForm):
    """Sign in with an email address."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class ApiTokenForm(forms.Form):
    """A new API token for the signed-in user; the service checks the scopes and the expiry again."""

    # The service's ``expires_at`` error belongs next to the field the user filled in.
    service_fields = {"expires_at": "expires_in_days"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    name = forms.CharField(
        max_length=100,
        help_text="What uses it, e.g. “Power BI refresh”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": MSG_NO_SCOPES},
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        required=False,
        min_value=1,
        max_value=365,
        help_text="1–365 days. Leave empty for a token that does not expire.",
    )

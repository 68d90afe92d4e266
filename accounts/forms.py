from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import BLANK_CHOICE_DASH

from accounts.login import normalize_login_email
from accounts.models import NotificationMute, Scope
from accounts.notifications import notification_kinds
from accounts.services import MSG_NO_SCOPES
from accounts.time_zones import zone_names

MSG_SCOPE_NOT_OFFERED = "Your role cannot use the scope %(value)s."


class LoginForm(AuthenticationForm):
    """Sign in with an email address."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return normalize_login_email(self.cleaned_data["username"])


class ApiTokenForm(forms.Form):
    """A new API token for the signed-in user; the service checks the scopes and the expiry again."""

    # The service's ``expires_at`` error belongs next to the field the user filled in.
    service_fields = {"expires_at": "expires_in_days"}

    def __init__(self, *args, scopes: list[str], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Only what the role can use is offered; anything else posted is refused by the choices,
        # and again by the service.
        labels = dict(Scope.choices)
        self.fields["scopes"].choices = [(scope, labels[scope]) for scope in scopes]
        self.fields["scopes"].error_messages["invalid_choice"] = MSG_SCOPE_NOT_OFFERED
        if len(scopes) == 1:
            self.fields["scopes"].initial = scopes

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


def _kind_choices() -> list[tuple[str, str]]:
    # A callable, read when the form is built: the kinds are registered after this module is imported.
    return BLANK_CHOICE_DASH + list(notification_kinds().items())


class NotificationMuteAdminForm(forms.ModelForm):
    """A mute set in the admin: the kind is one of the registered kinds, picked by its label."""

    kind = forms.ChoiceField(choices=_kind_choices)

    class Meta:
        model = NotificationMute
        fields = ("user", "kind")


class PreferencesForm(forms.Form):
    """The signed-in user's name and time zone; the service checks the zone again."""

    full_name = forms.CharField(label="Name", max_length=150, required=False)
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Dates, “today”, due dates, reminders and the weekly digest follow it.",
    )

    def __init__(self, *args, organisation_zone: str, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", f"The organisation’s ({organisation_zone})")] + [
            (name, name.replace("_", " ")) for name in zone_names()
        ]

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.db.models import BLANK_CHOICE_DASH
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.labels import SCOPE_LABELS
from accounts.languages import language_codes, language_of
from accounts.login import normalize_login_email
from accounts.models import NotificationMute, Scope
from accounts.notifications import notification_kinds
from accounts.services import MSG_NO_SCOPES
from accounts.time_zones import zone_names

MSG_SCOPE_NOT_OFFERED = gettext_noop("Your role cannot use the scope %(value)s.")


class LoginForm(AuthenticationForm):
    """Sign in with an email address."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return normalize_login_email(self.cleaned_data["username"])


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form; the email is written in the recipient's language, not the requester's."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # The requester's language when the user chose none (they asked from this browser).
        with language_of(context["user"], default=translation.get_language()):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ApiTokenForm(forms.Form):
    """A new API token for the signed-in user; the service checks the scopes and the expiry again."""

    # The service's ``expires_at`` error belongs next to the field the user filled in.
    service_fields = {"expires_at": "expires_in_days"}

    def __init__(self, *args, scopes: list[str], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Only what the role can use is offered; anything else posted is refused by the choices,
        # and again by the service.
        labels = SCOPE_LABELS
        self.fields["scopes"].choices = [(scope, labels[scope]) for scope in scopes]
        self.fields["scopes"].error_messages["invalid_choice"] = _(MSG_SCOPE_NOT_OFFERED)
        if len(scopes) == 1:
            self.fields["scopes"].initial = scopes

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “Power BI refresh”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _(MSG_NO_SCOPES)},
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("1–365 days. Leave empty for a token that does not expire."),
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
    """The signed-in user's name, time zone and language; the service checks them again."""

    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Dates, “today”, due dates, reminders and the weekly digest follow it."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Pages and the emails sent to you are written in it."),
    )

    def __init__(self, *args, organisation_zone: str, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        organisation = _("The organisation’s (%(zone)s)") % {"zone": organisation_zone}
        self.fields["time_zone"].choices = [("", organisation)] + [
            (name, name.replace("_", " ")) for name in zone_names()
        ]
        # Each language is named in itself ("简体中文"), so anyone can find their own.
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [("", _("The browser’s"))] + [
            (code, names[code]) for code in language_codes()
        ]

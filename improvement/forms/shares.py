"""The form that creates a share link: how many days it lasts."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from improvement.models import SHARE_DAYS_DEFAULT, SHARE_DAYS_MAX


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=SHARE_DAYS_MAX,
        initial=SHARE_DAYS_DEFAULT,
        help_text=format_lazy(
            _("1 to {max_days} days; you can revoke the link sooner."), max_days=SHARE_DAYS_MAX
        ),
    )

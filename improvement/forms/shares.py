"""The form that creates a share link: how many days it lasts."""

from django import forms

from improvement.models import SHARE_DAYS_DEFAULT, SHARE_DAYS_MAX


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=SHARE_DAYS_MAX,
        initial=SHARE_DAYS_DEFAULT,
        help_text=f"1 to {SHARE_DAYS_MAX} days; you can revoke the link sooner.",
    )

"""Sign-offs on the site: asking for a review, and a reviewer's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import Form


class SignOffRequestForm(Form):
    to_stage = forms.CharField(widget=forms.HiddenInput())
    note = forms.CharField(
        label=_("Note for the reviewer"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SignOffDecisionForm(Form):
    """Approve (the comment is optional) or send back (the service asks for the comment)."""

    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

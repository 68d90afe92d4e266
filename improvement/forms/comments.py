"""The conversation's forms: post a comment (with an optional file), edit one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import Form
from improvement.models import COMMENT_MAX_LENGTH

HELP_MENTIONS = _(
    "Mention someone with @[Full Name] or @email@example.com: they are told if they can see this record."
)


class CommentForm(Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_MAX_LENGTH,
        help_text=HELP_MENTIONS,
    )
    file = forms.FileField(label=_("Attach a file"), required=False)


class CommentEditForm(Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX_LENGTH,
        help_text=HELP_MENTIONS,
    )
    version = forms.IntegerField(widget=forms.HiddenInput(), min_value=1)

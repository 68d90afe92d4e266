from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import Form
from improvement.models import ImportKind


class ImportForm(Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv (UTF-8) or .xlsx file whose first row is the header; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

from django import forms

from improvement.forms.common import Form
from improvement.models import ImportKind


class ImportForm(Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportKind.choices)
    file = forms.FileField(
        label="File",
        help_text="A .csv (UTF-8) or .xlsx file whose first row is the header; at most 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

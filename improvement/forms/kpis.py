from django import forms

from improvement.forms.common import DateInput
from kpis.phases import MAX_LABEL_LENGTH

HELP_SURVEY_FILE = "A CSV file with a `score` column, one answer per row."


class PhaseBreakForm(forms.Form):
    starts = forms.DateField(
        widget=DateInput(), label="Changed on", help_text="The first period of the new process."
    )
    label = forms.CharField(max_length=MAX_LABEL_LENGTH, label="What changed")
    segment = forms.CharField(max_length=100, required=False, help_text="Leave empty for every segment.")


class SurveyUploadForm(forms.Form):
    period = forms.DateField(widget=DateInput())
    segment = forms.CharField(max_length=100, required=False)
    file = forms.FileField(label="Answers (CSV)", help_text=HELP_SURVEY_FILE)

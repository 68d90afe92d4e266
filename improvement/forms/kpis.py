from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import DateInput
from kpis.phases import MAX_LABEL_LENGTH

HELP_SURVEY_FILE = _("A CSV file with a `score` column, one answer per row.")


class PhaseBreakForm(forms.Form):
    starts = forms.DateField(
        widget=DateInput(), label=_("Changed on"), help_text=_("The first period of the new process.")
    )
    label = forms.CharField(max_length=MAX_LABEL_LENGTH, label=_("What changed"))
    segment = forms.CharField(
        label=_("Segment"), max_length=100, required=False, help_text=_("Leave empty for every segment.")
    )


class SurveyUploadForm(forms.Form):
    period = forms.DateField(label=_("Period"), widget=DateInput())
    segment = forms.CharField(label=_("Segment"), max_length=100, required=False)
    file = forms.FileField(label=_("Answers (CSV)"), help_text=HELP_SURVEY_FILE)

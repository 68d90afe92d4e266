"""Upload forms of the experiment page for cluster totals and per-site period values."""

from django import forms
from django.utils.translation import gettext_lazy as _

from improvement.models import RandomisationUnit


class ClusterUploadForm(forms.Form):
    clusters = forms.FileField(
        label=_("CSV of cluster totals"),
        help_text=_(
            "A header row variant,cluster,users,conversions (a proportion) or "
            "variant,cluster,users,sum,sum_squares (a mean), then one row per cluster. Replaces the clusters "
            "of the variants in the file."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class SiteValuesUploadForm(forms.Form):
    change_date = forms.DateField(
        label=_("Change date"), help_text=_("The day the pilot sites changed (YYYY-MM-DD).")
    )
    sites = forms.FileField(
        label=_("CSV of site values"),
        help_text=_(
            "A header row site,pilot,day,value, then one row per site and period (pilot: yes or no). "
            "Replaces the experiment's site values."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class RandomisationForm(forms.Form):
    randomisation_unit = forms.ChoiceField(
        label=_("Randomised by"),
        choices=RandomisationUnit.choices,
        help_text=_(
            "Cluster: whole agents, teams or sites get one variant; their data are entered per cluster."
        ),
    )

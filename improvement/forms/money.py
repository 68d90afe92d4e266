"""Costs and benefits on the site."""

from django import forms
from django.conf import settings

from improvement.forms.common import Form
from improvement.models import BenefitKind, BenefitNature, CostKind


class CostForm(Form):
    kind = forms.ChoiceField(choices=CostKind.choices)
    description = forms.CharField(max_length=200)
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, help_text="One-time: the whole amount. Recurring: per month."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({settings.PDCA_CURRENCY})"

    start_month = forms.IntegerField(
        min_value=1, initial=1, help_text="Recurring costs: the month (from the start date) they begin."
    )
    end_month = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Recurring costs: the last month they are paid. Empty: every month. "
        "A cost of month 5 only: start 5, end 5.",
    )


class BenefitForm(Form):
    kind = forms.ChoiceField(choices=BenefitKind.choices)
    nature = forms.ChoiceField(choices=BenefitNature.choices, initial=BenefitNature.HARD)
    description = forms.CharField(max_length=200)
    monthly_amount = forms.DecimalField(max_digits=14, decimal_places=2)
    start_month = forms.IntegerField(
        min_value=1, initial=1, help_text="The month (from the start date) the benefit begins."
    )
    end_month = forms.IntegerField(
        min_value=1, required=False, help_text="The last month of the benefit. Empty: every month."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monthly_amount"].label = f"Monthly amount ({settings.PDCA_CURRENCY})"

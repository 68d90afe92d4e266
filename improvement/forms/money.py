"""Costs and benefits on the site."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from improvement.forms.common import Form
from improvement.models import BenefitKind, BenefitNature, CostKind


class CostForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CostKind.choices)
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("One-time: the whole amount. Recurring: per month.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = gettext("Amount (%(currency)s)") % {"currency": settings.PDCA_CURRENCY}

    start_month = forms.IntegerField(
        label=_("Start month"),
        min_value=1,
        initial=1,
        help_text=_("Recurring costs: the month (from the start date) they begin."),
    )
    end_month = forms.IntegerField(
        label=_("End month"),
        min_value=1,
        required=False,
        help_text=_(
            "Recurring costs: the last month they are paid. Empty: every month. "
            "A cost of month 5 only: start 5, end 5."
        ),
    )


class BenefitForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BenefitKind.choices)
    nature = forms.ChoiceField(label=_("Nature"), choices=BenefitNature.choices, initial=BenefitNature.HARD)
    description = forms.CharField(label=_("Description"), max_length=200)
    monthly_amount = forms.DecimalField(max_digits=14, decimal_places=2)
    start_month = forms.IntegerField(
        label=_("Start month"),
        min_value=1,
        initial=1,
        help_text=_("The month (from the start date) the benefit begins."),
    )
    end_month = forms.IntegerField(
        label=_("End month"),
        min_value=1,
        required=False,
        help_text=_("The last month of the benefit. Empty: every month."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monthly_amount"].label = gettext("Monthly amount (%(currency)s)") % {
            "currency": settings.PDCA_CURRENCY
        }

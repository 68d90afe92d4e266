"""What the site's forms share: the base form, the date widget, people pickers."""

from django import forms
from django.db.models import Q

from accounts.models import User


class Form(forms.Form):
    """Labels without a trailing colon, like the rest of the site."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


def people(*roles: str):
    queryset = User.objects.filter(is_active=True)
    if roles:
        queryset = queryset.filter(Q(role__in=roles) | Q(is_superuser=True))
    return queryset.order_by("full_name", "email")

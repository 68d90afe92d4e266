"""What the site's forms share: the base form, the date widget, people pickers."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.templatetags.dates import local_date_format


class Form(forms.Form):
    """Labels without a trailing colon, like the rest of the site."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonSelect(forms.Select):
    """Django's ``<select>``, its options written in Python rather than through one template each:
    the same HTML, for pickers of people, which list hundreds at an organisation's size (bench/:
    the roadmap's 750 owners). Without groups each option is one string, not Django's option
    dictionary first (about 17 µs an option, 12.8 ms for 750 owners, where this takes 1-2 µs)."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(not isinstance(label, str | Promise) for _v, label in choices):
            # Groups (a label that is a list), labels Django would localise, several selected.
            return self._render_groups(name, value, attrs)
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        asked, chosen, options = set(widget["value"]), False, []
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            # As ``ChoiceWidget.optgroups``: one option at most is selected, the first that matches.
            selected = not chosen and text in asked
            chosen |= selected
            options.append(
                f'<option value="{escape(text)}"{" selected" if selected else ""}>'
                f"{conditional_escape(label)}</option>"
            )
        return format_html(
            '<select name="{}"{}>\n  {}\n</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("\n  ".join(options)),
        )

    def _render_groups(self, name, value, attrs):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "\n  ",
                '<option value="{}"{}>{}</option>',
                ((str(option["value"]), flatatt(option["attrs"]), option["label"]) for option in options),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group, rendered) if group else rendered
            )
        return format_html(
            '<select name="{}"{}>\n  {}\n</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("\n  ".join(parts)),
        )


class PersonChoiceField(forms.ModelChoiceField):
    widget = PersonSelect

    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


def people(*roles: str):
    queryset = User.objects.filter(is_active=True)
    if roles:
        queryset = queryset.filter(Q(role__in=roles) | Q(is_superuser=True))
    return queryset.order_by("full_name", "email")


# A plain string (tests compare pages with it); translated where it is shown.
MSG_SITE_DATE = gettext_noop("Enter a date like 2 Dec 2026 or 2026-12-02.")
SITE_DATE_FORMAT = "j M Y"  # Django's date format of every date the site writes: "2 Dec 2026".
# Spelled out rather than from strftime, which follows the process locale.
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_SITE_DATE = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})$")
# How Chinese writes the same date (common.templatetags.dates): 2026年12月2日.
_CHINESE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")


def parse_site_date(text: str) -> dt.date:
    """A date written as the site writes it ("2 Dec 2026", "2 December 2026") or as ISO (2026-12-02).

    Raises ``ValueError`` for anything else, e.g. 12/02/2026, which reads differently by country.
    """
    text = " ".join(text.split()).lower()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    chinese = _CHINESE_DATE.match(text)
    if chinese is not None:
        return dt.date(int(chinese[1]), int(chinese[2]), int(chinese[3]))
    match = _SITE_DATE.match(text)
    if match is None or match[2] not in _MONTHS:
        raise ValueError(text)
    return dt.date(int(match[3]), _MONTHS[match[2]], int(match[1]))


class SiteDateInput(forms.TextInput):
    """A text box showing its date the way the site writes dates, whatever the browser's locale.

    The browser's own date input shows the reader's locale (12/02/2026 in the US), next to pages
    that say "2 Dec 2026"; this one shows and accepts the site's format.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": _("e.g. 2 Dec 2026"), "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, str):
            # Typed or from a link (the roadmap's Earlier/Later, ISO): shown as the site writes it.
            try:
                value = parse_site_date(value)
            except ValueError:
                return value
        if isinstance(value, dt.date):
            return local_date_format(value, SITE_DATE_FORMAT)  # read back by parse_site_date
        return super().format_value(value)


class SiteDateField(forms.DateField):
    """A date typed as the site writes it ("2 Dec 2026", "2 December 2026") or as ISO (2026-12-02)."""

    widget = SiteDateInput
    default_error_messages = {"invalid": _(MSG_SITE_DATE)}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_site_date(str(value))
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

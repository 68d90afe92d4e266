"""A date box writes its date the reader's way and reads it back, in every language."""

import datetime as dt

import pytest
from django.utils import translation

from improvement.forms.common import SiteDateField, SiteDateInput, parse_site_date

DAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(("language", "shown"), [("en", "3 Dec 2026"), ("zh-hans", "2026年12月3日")])
def test_the_box_shows_the_language_s_date_and_reads_it_back(language, shown):
    with translation.override(language):
        assert SiteDateInput().format_value(DAY) == shown
        assert SiteDateField().clean(shown) == DAY


@pytest.mark.parametrize("text", ["2026年12月3日", "2026 年 12 月 3 日", "3 Dec 2026", "2026-12-03"])
def test_every_spelling_reads_in_any_language(text):
    with translation.override("zh-hans"):
        assert parse_site_date(text) == DAY


@pytest.mark.parametrize("text", ["2026年13月3日", "2026年12月", "12/03/2026"])
def test_what_is_no_date_is_refused(text):
    with pytest.raises(ValueError):
        parse_site_date(text)

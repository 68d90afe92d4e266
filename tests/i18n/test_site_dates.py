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


def test_every_chart_reason_reads_in_chinese_and_unchanged_in_english():
    from kpis.stats import attribute as ac
    from kpis.stats_text import chart_reason_display

    reasons = [
        ac.chart_choice(requested="xmr", natural=None, sized=True, sigma_z=None)[1],
        ac.chart_choice(requested="auto", natural=None, sized=True, sigma_z=None)[1],
        ac.chart_choice(requested="auto", natural="p", sized=False, sigma_z=None)[1],
        ac.chart_choice(requested="auto", natural="u", sized=True, sigma_z=None)[1],
        ac.chart_choice(requested="auto", natural="p", sized=True, sigma_z=9.5)[1],
        ac.chart_choice(requested="auto", natural="p", sized=True, sigma_z=1.02)[1],
    ]
    with translation.override("en"):
        assert [chart_reason_display(why) for why in reasons] == reasons
    with translation.override("zh-hans"):
        shown = [chart_reason_display(why) for why in reasons]
    assert all(chinese != english for chinese, english in zip(shown, reasons, strict=True)), shown
    assert "9.50" in shown[4] and "1.02" in shown[5]

"""Stored English texts shown in the reader's language: ``{{ kpi.name|kpi_name }}`` and
``{{ kpi.description|kpi_description }}`` (the shipped catalogue's, ``kpis.catalogue``) and
``{{ alert.detail|alert_detail }}`` (a control-chart rule); anything else as stored."""

from django import template

from kpis import catalogue
from kpis.alerts import alert_detail_display
from kpis.stats_text import stats_text as stats_text_of

register = template.Library()


@register.filter
def kpi_name(name: str) -> str:
    return catalogue.display_name(name or "")


@register.filter
def kpi_description(description: str) -> str:
    return catalogue.display_description(description or "")


@register.filter
def alert_detail(detail: str) -> str:
    """An SPC alert's rule (stored in English) in the reader's language."""
    return alert_detail_display(detail or "")


@register.filter
def stats_text(text: str) -> str:
    """A warning or message of the statistics (answered in English) in the reader's language."""
    return stats_text_of(text or "")

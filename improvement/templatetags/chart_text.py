from django import template

from improvement import chart_text as text

register = template.Library()


@register.simple_tag
def chart_text(spec: dict) -> text.ChartText:
    """``{% chart_text spec as text %}``: the summary and data table of a chart (includes/chart.html)."""
    return text.chart_text(spec)

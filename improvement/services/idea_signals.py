"""A KPI signal becomes a draft idea: "Start an improvement" on a threshold alert or a control-chart
signal gives its author a draft pre-filled with the KPI, the segment, the chart's baseline and the
signal, so no signal is lost between a dashboard and a plan (docs/ideas.md)."""

import datetime as dt
import statistics

from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts.models import User
from improvement.models import Idea, IdeaStatus
from kpis.alerts import SPC_BASELINE_POINTS, alert_detail_display
from kpis.catalogue import display_name
from kpis.models import AlertRule, KpiAlert, PhaseBreak
from kpis.selectors import kpi_series

TITLE_FROM_ALERT = gettext_lazy("Improve %(kpi)s")
TITLE_FROM_ALERT_SEGMENT = gettext_lazy("Improve %(kpi)s (%(segment)s)")
SIGNAL_THRESHOLD = gettext_lazy(
    "%(level)s threshold crossed on %(period)s: %(value)s against the threshold %(threshold)s."
)
SIGNAL_SPC = gettext_lazy(
    "Control-chart signal on %(period)s (%(rule)s): %(value)s beyond the control limit %(threshold)s."
)


def alert_baseline(alert: KpiAlert) -> tuple[float | None, dt.date | None, dt.date | None]:
    """The mean of the periods before the alert's that its chart judged it by, with their window.

    A control-chart signal's limits come from up to ``SPC_BASELINE_POINTS`` periods before the new
    data, never from before the latest phase break; a threshold alert gets the same number of
    periods before its own. (None, None, None) when the series has nothing before the alert.
    """
    start = None
    if alert.rule == AlertRule.SPC:
        start = (
            PhaseBreak.objects.filter(
                kpi_id=alert.kpi_id, segment__in={"", alert.segment}, starts__lte=alert.period
            )
            .order_by("-starts")
            .values_list("starts", flat=True)
            .first()
        )
    series = kpi_series(kpi=alert.kpi_id, segment=alert.segment, start=start, end=alert.period)
    window = [(period, value) for period, value in series if period < alert.period][-SPC_BASELINE_POINTS:]
    if not window:
        return None, None, None
    return statistics.fmean(v for _, v in window), window[0][0], window[-1][0]


def alert_signal_text(alert: KpiAlert) -> str:
    values = {
        "level": alert.get_level_display(),
        "period": alert.period.isoformat(),
        "value": f"{alert.value:g}",
        "threshold": f"{alert.threshold:g}",
        "rule": alert_detail_display(alert.detail),
    }
    template = SIGNAL_SPC if alert.rule == AlertRule.SPC else SIGNAL_THRESHOLD
    return str(template % values)


@transaction.atomic
def idea_draft_from_alert(*, actor: User, alert: KpiAlert) -> Idea:
    """A draft idea pre-filled from a KPI alert; the actor's open draft of the same alert if any."""
    existing = (
        Idea.objects.active()
        .filter(alert=alert, submitted_by=actor, status=IdeaStatus.DRAFT)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    kpi_name = display_name(alert.kpi.name)
    if alert.segment:
        title = TITLE_FROM_ALERT_SEGMENT % {"kpi": kpi_name, "segment": alert.segment}
    else:
        title = TITLE_FROM_ALERT % {"kpi": kpi_name}
    current, since, until = alert_baseline(alert)
    idea = Idea(
        title=str(title)[: Idea._meta.get_field("title").max_length],
        kpi=alert.kpi,
        segment=alert.segment,
        current_value=current,
        baseline_from=since,
        baseline_to=until,
        alert=alert,
        signal=alert_signal_text(alert),
        status=IdeaStatus.DRAFT,
        submitted_by=actor,
    )
    idea.full_clean()
    idea.save()
    return idea

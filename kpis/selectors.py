import datetime as dt

from django.db.models import Avg, QuerySet

from kpis.models import Kpi, Measurement


def kpi_list() -> QuerySet[Kpi]:
    return Kpi.objects.active()


def measurement_list() -> QuerySet[Measurement]:
    return Measurement.objects.select_related("kpi")


def kpi_series(
    *, kpi: Kpi, segment: str = "", start: dt.date | None = None, end: dt.date | None = None
) -> list[tuple[dt.date, float]]:
    """One value per period (the mean over sources), oldest first."""
    qs = Measurement.objects.filter(kpi=kpi, segment=segment)
    if start is not None:
        qs = qs.filter(period__gte=start)
    if end is not None:
        qs = qs.filter(period__lte=end)
    rows = qs.values("period").annotate(mean=Avg("value")).order_by("period")
    return [(row["period"], row["mean"]) for row in rows]

"""An initiative's money lines and measurements as export rows (docs/exports.md).

Rows are plain values (labels resolved, amounts as decimals, dates as dates), read a chunk at a time
where a table can be long; the writer (``common.xlsx``) types the cells.
"""

from collections.abc import Iterator

from django.db.models import Q

from improvement.models import Benefit, Cost, Initiative, KpiTarget
from kpis.models import Measurement

COST_HEADER = ["Kind", "Description", "Amount", "Start month", "End month", "Currency"]
BENEFIT_HEADER = [
    "Kind",
    "Nature",
    "Description",
    "Monthly amount",
    "Start month",
    "End month",
    "Validated",
    "Validated by",
    "Validated at",
    "Currency",
]
MEASUREMENT_HEADER = [
    "KPI",
    "KPI name",
    "Unit",
    "Segment",
    "Period",
    "Value",
    "Sample size",
    "Numerator",
    "Source",
]
MEASUREMENT_CHUNK = 2000


def _label(model, field: str) -> dict[str, str]:
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def cost_rows(*, initiative: Initiative, currency: str) -> list[list]:
    """The initiative's live costs, ordered as on its page (kind, then entry order)."""
    kinds = _label(Cost, "kind")
    qs = Cost.objects.active().filter(initiative=initiative).order_by("kind", "id")
    return [
        [kinds.get(kind, kind), description, amount, start_month, end_month, currency]
        for kind, description, amount, start_month, end_month in qs.values_list(
            "kind", "description", "amount", "start_month", "end_month"
        )
    ]


def benefit_rows(*, initiative: Initiative, currency: str) -> list[list]:
    """The initiative's live benefit lines in entry order; who validated each, and when."""
    kinds, natures = _label(Benefit, "kind"), _label(Benefit, "nature")
    qs = Benefit.objects.active().filter(initiative=initiative).order_by("id")
    fields = (
        "kind",
        "nature",
        "description",
        "monthly_amount",
        "start_month",
        "end_month",
        "validated",
        "validated_by__full_name",
        "validated_by__email",
        "validated_at",
    )
    return [
        [
            kinds.get(kind, kind),
            natures.get(nature, nature),
            description,
            amount,
            start_month,
            end_month,
            validated,
            (full_name or email or "") if validated else "",
            validated_at if validated else None,
            currency,
        ]
        for (
            kind,
            nature,
            description,
            amount,
            start_month,
            end_month,
            validated,
            full_name,
            email,
            validated_at,
        ) in qs.values_list(*fields)
    ]


def measurement_rows(*, initiative: Initiative) -> Iterator[list]:
    """Every measurement of the series (KPI, segment) the initiative's live targets follow, by KPI
    code, segment, period and source; read in chunks (a series can be long)."""
    series = set(KpiTarget.objects.active().filter(initiative=initiative).values_list("kpi_id", "segment"))
    if not series:
        return iter(())
    scope = Q()
    for kpi_id, segment in sorted(series):
        scope |= Q(kpi_id=kpi_id, segment=segment)
    qs = (
        Measurement.objects.filter(scope)
        .order_by("kpi__code", "segment", "period", "source", "id")
        .values_list(
            "kpi__code",
            "kpi__name",
            "kpi__unit",
            "segment",
            "period",
            "value",
            "sample_size",
            "numerator",
            "source",
        )
    )
    return (list(row) for row in qs.iterator(chunk_size=MEASUREMENT_CHUNK))

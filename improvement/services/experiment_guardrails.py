"""Guardrail KPIs of an experiment: their settings (metric type, tolerance) and per-variant data.

The data follow the rules of the primary KPI's (``experiment_data``): per-variant sufficient
statistics, one totals row or one row per day, each row checked by the same validator, refused
as a whole with one message per row and field.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import Conflict, PermissionDenied
from improvement import policies
from improvement.models import Experiment, ExperimentStatus, Guardrail, GuardrailData, MetricType
from improvement.models.guardrails import MAX_TOLERANCE
from improvement.services.experiment_data import (
    MAX_DATA_ROWS,
    MSG_MIXED_DAYS,
    MSG_NO_ROWS,
    MSG_TOO_MANY_ROWS,
    DataWriteResult,
    _clean_data_row,
    check_can_push,
    duplicate_row_message,
    experiment_data_changed,
    lock_for_data,
    variants_by_key,
)
from improvement.services.experiment_design import MSG_UNKNOWN_METRIC
from improvement.services.experiment_totals import check_totals
from improvement.services.experiments import MSG_ARCHIVED, MSG_CANNOT_EDIT
from kpis.models import Kpi

MSG_NOT_A_GUARDRAIL = gettext_noop("{kpi} is not a guardrail KPI of this experiment.")
MSG_TOLERANCE_TEMPLATE = gettext_noop("The tolerance must be a number from 0 to {limit} (0.02 = 2 % worse).")
MSG_TOLERANCE = MSG_TOLERANCE_TEMPLATE.format(limit=f"{MAX_TOLERANCE:g}")
MSG_METRIC_HAS_DATA = gettext_noop("This guardrail has data; delete them before changing its metric type.")
MSG_CONCLUDED = gettext_noop("A concluded experiment's guardrails no longer change.")


def _guardrail_kpi(experiment: Experiment, kpi: Kpi) -> Kpi:
    if not experiment.guardrail_kpis.filter(pk=kpi.pk).exists():
        raise ValidationError({"kpi": _(MSG_NOT_A_GUARDRAIL).format(kpi=kpi.code)})
    return kpi


def guardrail_for(experiment: Experiment, kpi: Kpi) -> Guardrail:
    """The guardrail's settings row, created with the defaults (experiment's metric type, tolerance 0)."""
    guardrail, _ = Guardrail.objects.get_or_create(
        experiment=experiment, kpi=kpi, defaults={"metric_type": experiment.metric_type}
    )
    return guardrail


@transaction.atomic
def experiment_guardrail_set(
    *, actor: User, experiment: Experiment, kpi: Kpi, metric_type: str | None = None, tolerance: Any = None
) -> Guardrail:
    """Set a guardrail KPI's metric type and tolerance (relative worsening allowed, 0–10)."""
    if not policies.can_edit(actor, experiment.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    if experiment.archived_at is not None:
        raise Conflict(_(MSG_ARCHIVED))
    if experiment.status == ExperimentStatus.CONCLUDED:
        raise Conflict(_(MSG_CONCLUDED))
    _guardrail_kpi(experiment, kpi)
    guardrail = guardrail_for(experiment, kpi)
    guardrail = Guardrail.objects.select_for_update().get(pk=guardrail.pk)
    errors = {}
    if metric_type is not None:
        if metric_type not in MetricType.values:
            errors["metric_type"] = _(MSG_UNKNOWN_METRIC)
        elif metric_type != guardrail.metric_type and guardrail.data.exists():
            errors["metric_type"] = _(MSG_METRIC_HAS_DATA)
    if tolerance is not None:
        try:
            tolerance = float(tolerance)
        except (TypeError, ValueError):
            tolerance = math.nan
        if isinstance(tolerance, bool) or not (math.isfinite(tolerance) and 0 <= tolerance <= MAX_TOLERANCE):
            errors["tolerance"] = _(MSG_TOLERANCE_TEMPLATE).format(limit=f"{MAX_TOLERANCE:g}")
    if errors:
        raise ValidationError(errors)
    fields = []
    if metric_type is not None:
        guardrail.metric_type = metric_type
        fields.append("metric_type")
    if tolerance is not None:
        guardrail.tolerance = tolerance
        fields.append("tolerance")
    if fields:
        guardrail.save(update_fields=[*fields, "updated_at"])
    return guardrail


def _totals(guardrail: Guardrail, variants) -> dict[str, dict[str, Any]]:
    keys = {v.pk: v.key for v in variants}
    totals = {key: {"users": 0, "conversions": 0, "sum": 0.0, "sum_squares": 0.0} for key in keys.values()}
    rows = GuardrailData.objects.filter(guardrail=guardrail, variant__in=variants).values_list(
        "variant", "users", "conversions", "sum", "sum_squares"
    )
    for variant, users, conversions, total, squares in rows:
        row = totals[keys[variant]]
        row["users"] += users
        row["conversions"] += conversions
        row["sum"] += total
        row["sum_squares"] += squares
    return totals


@transaction.atomic
def experiment_guardrail_data_replace(
    *, actor: User, experiment: Experiment, kpi: Kpi, rows: Sequence[Mapping[str, Any]]
) -> DataWriteResult:
    """Store one guardrail KPI's per-variant aggregates, all or nothing, as ``experiment_data_replace``
    does for the primary KPI (the same row shapes, checks, days and totals)."""
    check_can_push(actor, experiment)
    _guardrail_kpi(experiment, kpi)
    if not rows:
        raise ValidationError({"rows": _(MSG_NO_ROWS)})
    if len(rows) > MAX_DATA_ROWS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_DATA_ROWS)})
    locked = lock_for_data(experiment)
    guardrail = guardrail_for(locked, kpi)
    variants = variants_by_key(locked)
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    seen: dict[tuple[str, Any], int] = {}
    for index, row in enumerate(rows):
        values, row_errors = _clean_data_row(row, metric=guardrail.metric_type, variants=variants)
        errors.update({f"rows[{index}].{field}": message for field, message in row_errors.items()})
        identity = (values["variant"], values["day"])
        if identity in seen:
            errors[f"rows[{index}].variant"] = duplicate_row_message(values)
        seen[identity] = index
        cleaned.append(values)
    by_variant: dict[str, set[bool]] = {}
    for key, day in seen:
        by_variant.setdefault(key, set()).add(day is None)
    for index, values in enumerate(cleaned):
        if len(by_variant.get(values["variant"], ())) > 1:
            errors.setdefault(f"rows[{index}].day", _(MSG_MIXED_DAYS).format(key=values["variant"]))
    if errors:
        raise ValidationError(errors)
    written = []
    for key in sorted(by_variant):
        variant = variants[key]
        mine = [values for values in cleaned if values["variant"] == key]
        existing = GuardrailData.objects.filter(guardrail=guardrail, variant=variant)
        if None not in (values["day"] for values in mine):
            existing = existing.filter(Q(day__isnull=True) | Q(day__in=[v["day"] for v in mine]))
        existing.delete()
        written += [
            GuardrailData(
                guardrail=guardrail,
                variant=variant,
                day=values["day"],
                users=values["users"],
                conversions=values.get("conversions", 0),
                sum=values.get("sum", 0.0),
                sum_squares=values.get("sum_squares", 0.0),
            )
            for values in mine
        ]
    GuardrailData.objects.bulk_create(written)
    touched = [variants[key] for key in by_variant]
    check_totals(_totals(guardrail, touched), metric=guardrail.metric_type, field="rows")
    experiment_data_changed(locked)
    return DataWriteResult(variants=sorted(by_variant), rows_written=len(written))

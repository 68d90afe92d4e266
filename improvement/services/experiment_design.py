"""An experiment's design: the statistical settings, the variants and the guardrail KPIs.

The same rules the analysis applies (``kpis.stats``) check the design before it is stored; each
error is reported on its field. ``experiments`` calls these when a draft is created or changed.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from improvement.models import Experiment, MdeType, MetricType, Variant
from kpis.models import Kpi
from kpis.stats import power as pw
from kpis.stats.common import check_alpha, check_power, check_weight_spread, finite
from kpis.stats.sequential import DEFAULT_TUNING, check_tuning
from kpis.stats_text import stats_message

MSG_UNKNOWN_METRIC = gettext_noop("metric_type must be 'proportion' or 'mean'.")
MSG_UNKNOWN_MDE_TYPE = gettext_noop("mde_type must be 'relative' or 'absolute'.")
MSG_SEQUENTIAL = gettext_noop("sequential must be true or false.")
MSG_GUARDRAIL_IS_PRIMARY = gettext_noop("The primary KPI cannot also be a guardrail.")
MSG_TWO_VARIANTS = gettext_noop("An experiment needs a control and at least one treatment.")
MSG_ONE_CONTROL = gettext_noop("Exactly one variant must be the control (found {count}).")
MSG_DUPLICATE_KEY = gettext_noop("Variant keys must be unique; {key!r} appears twice.")
MSG_KEY = gettext_noop("A variant key is 1–50 letters, digits, hyphens or underscores.")
MSG_WEIGHT = gettext_noop("An allocation weight must be a finite number greater than 0.")


def clean_design(fields: dict[str, Any]) -> dict[str, Any]:
    """Check the statistical design with the same rules the analysis applies; errors per field."""
    errors: dict[str, str] = {}
    if fields["metric_type"] not in MetricType.values:
        errors["metric_type"] = _(MSG_UNKNOWN_METRIC)
    if fields["mde_type"] not in MdeType.values:
        errors["mde_type"] = _(MSG_UNKNOWN_MDE_TYPE)
    for name, check in (("alpha", check_alpha), ("power", check_power)):
        try:
            fields[name] = check(fields[name])
        except ValueError as exc:
            errors[name] = stats_message(exc)
    if not isinstance(fields.get("sequential", False), bool):
        errors["sequential"] = _(MSG_SEQUENTIAL)
    try:
        fields["sequential_tuning"] = check_tuning(fields.get("sequential_tuning", DEFAULT_TUNING))
    except ValueError as exc:
        errors["sequential_tuning"] = stats_message(exc)
    if fields.get("mde") is not None and "mde_type" not in errors:
        try:
            fields["mde"] = pw.check_mde(fields["mde"], fields["mde_type"])
        except ValueError as exc:
            errors["mde"] = stats_message(exc)
    if errors:
        raise ValidationError(errors)
    return fields


def clean_variants(variants: Sequence[Mapping[str, Any]]) -> list[Variant]:
    errors: dict[str, str] = {}
    cleaned: list[Variant] = []
    seen: set[str] = set()
    if len(variants) < 2:
        raise ValidationError({"variants": _(MSG_TWO_VARIANTS)})
    for index, spec in enumerate(variants):
        key = str(spec.get("key", "")).strip()
        variant = Variant(
            key=key,
            name=str(spec.get("name") or "").strip(),
            weight=spec.get("weight", 1.0),
            is_control=bool(spec.get("is_control", False)),
        )
        try:
            variant.clean_fields(exclude=["experiment", "weight"])
        except ValidationError:
            errors[f"variants[{index}].key"] = _(MSG_KEY)
        if key in seen:
            errors[f"variants[{index}].key"] = _(MSG_DUPLICATE_KEY).format(key=key)
        seen.add(key)
        try:
            variant.weight = finite(variant.weight, name="weight")
            if variant.weight <= 0:
                raise ValueError
        except ValueError:
            errors[f"variants[{index}].weight"] = _(MSG_WEIGHT)
        cleaned.append(variant)
    controls = sum(v.is_control for v in cleaned)
    if controls != 1:
        errors["variants"] = _(MSG_ONE_CONTROL).format(count=controls)
    elif not errors:
        try:
            check_weight_spread([v.weight for v in cleaned])
        except ValueError as exc:
            errors["variants"] = stats_message(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def set_guardrails(experiment: Experiment, guardrail_kpis: Iterable[Kpi]) -> None:
    guardrails = list(guardrail_kpis)
    if any(kpi.pk == experiment.primary_kpi_id for kpi in guardrails):
        raise ValidationError({"guardrail_kpis": _(MSG_GUARDRAIL_IS_PRIMARY)})
    experiment.guardrail_kpis.set(guardrails)

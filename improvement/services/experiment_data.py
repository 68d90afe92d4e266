"""Experiment data: per-variant aggregates (raw observations: experiment_observations).

Data are per-variant sufficient statistics (``VariantData``): a variant holds either one totals row
(``day`` null) or one row per day, never both. ``experiment_data_replace`` replaces what it names,
all or nothing; the checks and locks here are shared with ``experiment_observations``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import Conflict, PermissionDenied
from improvement import policies
from improvement.models import Experiment, MetricType, Variant, VariantData
from improvement.services.experiment_totals import (
    MAX_COUNT,
    MSG_COUNT_TOO_BIG,
    PRE_FIELDS,
    check_totals,
    stored_totals,
)
from improvement.services.experiments import DATA_STATUSES, MSG_ARCHIVED
from kpis.stats import aggregates as agg
from kpis.stats_text import stats_message

MAX_DATA_ROWS = 10_000
MSG_CANNOT_PUSH = gettext_noop("You cannot send data to this experiment.")
MSG_DATA_STATUS = gettext_noop(
    "Data are accepted while the experiment runs or after it stopped; this one is {status}."
)
MSG_NO_ROWS = gettext_noop("Send at least one row.")
MSG_TOO_MANY_ROWS = gettext_noop("Send at most {limit} rows at once.")
MSG_UNKNOWN_VARIANT = gettext_noop("Unknown variant {key!r}; this experiment has {keys}.")
MSG_REQUIRED = gettext_noop("This field is required for a {metric}.")
MSG_NOT_FOR_METRIC = gettext_noop("A {metric} experiment does not use {field}.")
MSG_DUPLICATE_ROW = gettext_noop("Variant {key!r} appears twice.")
MSG_DUPLICATE_DAY = gettext_noop("Variant {key!r} appears twice for {day}.")
MSG_MIXED_DAYS = gettext_noop(
    "Variant {key!r}: send either one totals row (no day) or rows per day, not both."
)
MSG_SUMS_OR_MEAN_SD = gettext_noop("Give either sum and sum_squares or mean and sd, not both.")
MSG_PRE_ALL_OR_NONE = gettext_noop(
    "Give pre_sum, pre_sum_squares and sum_product together (the pre-period totals), or none."
)
MSG_PRE_NEEDS_SUMS = gettext_noop("Pre-period totals go with sum and sum_squares, not with mean and sd.")
# A mean experiment's row holds its totals, or the mean and sample sd they are computed from.
MEAN_SD_FIELDS = ("mean", "sd")
MEAN_SD_MESSAGE_FIELD = {
    agg.MSG_SD_FEW_USERS: "users",
    agg.MSG_SD_NEGATIVE: "sd",
    agg.MSG_MEAN_TOO_LARGE: "mean",
}


def duplicate_row_message(values: Mapping[str, Any]) -> str:
    """The message for a variant (and day) sent twice in one batch."""
    if values["day"]:
        return _(MSG_DUPLICATE_DAY).format(key=values["variant"], day=values["day"].isoformat())
    return _(MSG_DUPLICATE_ROW).format(key=values["variant"])


@dataclass(frozen=True)
class DataWriteResult:
    """What a data write changed: variants touched and the rows now stored for them."""

    variants: list[str]
    rows_written: int
    observations: int = 0


# --- the re-analysis seam ---------------------------------------------------------------------


def experiment_data_changed(experiment: Experiment) -> None:
    """Called inside the transaction of every data write.

    Results are computed on read today (a handful of rows per variant), so nothing needs doing.
    A debounced background re-analysis (alerts, cached read-outs) hooks in here, enqueueing with
    ``transaction.on_commit`` so it sees the new totals.
    """


# --- data ---------------------------------------------------------------------------------------


def check_can_push(actor: User, experiment: Experiment) -> None:
    if not policies.can_push_experiment_data(actor, experiment.initiative):
        raise PermissionDenied(_(MSG_CANNOT_PUSH))


def check_data_status(experiment: Experiment) -> None:
    if experiment.archived_at is not None:
        raise Conflict(_(MSG_ARCHIVED))
    if experiment.status not in DATA_STATUSES:
        raise Conflict(_(MSG_DATA_STATUS).format(status=experiment.get_status_display().lower()))


def lock_for_data(experiment: Experiment) -> Experiment:
    # The status is re-read under the lock so data cannot slip in next to a concurrent conclude.
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    check_data_status(locked)
    return locked


def variants_by_key(experiment: Experiment) -> dict[str, Variant]:
    return {v.key: v for v in Variant.objects.filter(experiment=experiment)}


def _clean_data_row(
    row: Mapping[str, Any], *, metric: str, variants: dict[str, Variant]
) -> tuple[dict[str, Any], dict[str, str]]:
    """One aggregate row checked with the ``kpis.stats`` validators; errors keyed by field."""
    errors: dict[str, str] = {}
    key = row.get("variant")
    if key not in variants:
        errors["variant"] = _(MSG_UNKNOWN_VARIANT).format(key=key, keys=", ".join(sorted(variants)))
    by_sd = metric == MetricType.MEAN and any(row.get(field) is not None for field in MEAN_SD_FIELDS)
    if by_sd:
        return _clean_mean_sd_row(row, key=key, errors=errors)
    wanted, unused = (
        (("users", "conversions"), ("sum", "sum_squares", *MEAN_SD_FIELDS, *PRE_FIELDS))
        if metric == MetricType.PROPORTION
        else (("users", "sum", "sum_squares"), ("conversions",))
    )
    given_pre = [field for field in PRE_FIELDS if row.get(field) is not None]
    if metric == MetricType.MEAN and given_pre:
        if len(given_pre) < len(PRE_FIELDS):
            for field in PRE_FIELDS:
                if field not in given_pre:
                    errors[field] = _(MSG_PRE_ALL_OR_NONE)
        wanted = (*wanted, *given_pre)
    for field in unused:
        if row.get(field) is not None:
            errors[field] = _(MSG_NOT_FOR_METRIC).format(metric=metric, field=field)
    values: dict[str, Any] = {}
    for field in wanted:
        if row.get(field) is None:
            errors[field] = _(MSG_REQUIRED).format(metric=metric)
            continue
        try:
            if field in ("users", "conversions"):
                values[field] = agg.whole_count(row[field], name=field)
                if values[field] > MAX_COUNT:
                    raise ValueError(_(MSG_COUNT_TOO_BIG).format(field=field, limit=MAX_COUNT))
            elif field == "sum_product":
                values[field] = agg.bounded_product(row[field])
            else:
                values[field] = agg.bounded_total(row[field], name=field)
        except ValueError as exc:
            errors[field] = stats_message(exc)
    if not errors:
        try:
            if metric == MetricType.PROPORTION:
                agg.ProportionAggregate(**values)
            elif given_pre:
                agg.CupedAggregate(**values)
            else:
                agg.MeanAggregate(**values)
        except ValueError as exc:
            # What is left after the per-field checks is a relation between the fields.
            errors[_relation_field(metric, str(exc))] = stats_message(exc)
    return {"variant": key, "day": row.get("day"), **values}, errors


def _relation_field(metric: str, message: str) -> str:
    """The field a person would correct when totals do not fit together."""
    if metric == MetricType.PROPORTION:
        return "conversions"
    if "sum_product" in message:
        return "sum_product"
    if message.startswith("pre-period"):
        return "pre_sum_squares"
    return "sum_squares"


def _clean_mean_sd_row(
    row: Mapping[str, Any], *, key: Any, errors: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A mean experiment's row given as users, mean and sample sd, turned into its exact totals."""
    for field in ("sum", "sum_squares"):
        if row.get(field) is not None:
            errors[field] = _(MSG_SUMS_OR_MEAN_SD)
    if row.get("conversions") is not None:
        errors["conversions"] = _(MSG_NOT_FOR_METRIC).format(metric=MetricType.MEAN, field="conversions")
    for field in PRE_FIELDS:
        if row.get(field) is not None:
            errors[field] = _(MSG_PRE_NEEDS_SUMS)
    for field in ("users", *MEAN_SD_FIELDS):
        if row.get(field) is None:
            errors[field] = _(MSG_REQUIRED).format(metric=MetricType.MEAN)
    values: dict[str, Any] = {}
    if not errors:
        try:
            users = agg.whole_count(row["users"], name="users")
            if users > MAX_COUNT:
                raise ValueError(_(MSG_COUNT_TOO_BIG).format(field="users", limit=MAX_COUNT))
            data = agg.mean_aggregate_from_sd(users, row["mean"], row["sd"])
        except ValueError as exc:
            # Each message goes on the field a person would correct; the field-level checks of
            # kpis.stats name their field first ("mean must be a finite number…"); totals out of
            # bounds come from a huge sd.
            english = str(exc)  # the field is chosen from the English sentence, shown translated
            field = MEAN_SD_MESSAGE_FIELD.get(english, english.split(" ", 1)[0])
            errors[field if field in ("users", *MEAN_SD_FIELDS) else "sd"] = stats_message(exc)
        else:
            values = {"users": data.users, "sum": data.sum, "sum_squares": data.sum_squares}
    return {"variant": key, "day": row.get("day"), **values}, errors


@transaction.atomic
def experiment_data_replace(
    *, actor: User, experiment: Experiment, rows: Sequence[Mapping[str, Any]]
) -> DataWriteResult:
    """Store per-variant aggregates, all or nothing; variants not named keep their data.

    A row without ``day`` is the variant's new totals and replaces everything it had. A mean
    experiment's row may give ``users``, ``mean`` and ``sd`` (the sample standard deviation, n − 1)
    instead of ``sum`` and ``sum_squares``; they are converted exactly
    (``kpis.stats.aggregates.mean_aggregate_from_sd``). Rows with a
    ``day`` replace that day's totals and keep its other days (a daily push sends today's row);
    they also drop a totals row sent earlier, since a variant's data are totals or days, not both.
    Inconsistent input (conversions > users, negative counts, sum_squares too small for sum, NaN)
    refuses the whole batch, one message per row and field.
    """
    check_can_push(actor, experiment)
    if not rows:
        raise ValidationError({"rows": _(MSG_NO_ROWS)})
    if len(rows) > MAX_DATA_ROWS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_DATA_ROWS)})
    locked = lock_for_data(experiment)
    variants = variants_by_key(locked)
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    seen: dict[tuple[str, Any], int] = {}
    for index, row in enumerate(rows):
        values, row_errors = _clean_data_row(row, metric=locked.metric_type, variants=variants)
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
        if None in (values["day"] for values in mine):
            VariantData.objects.filter(variant=variant).delete()
        else:
            VariantData.objects.filter(
                Q(variant=variant) & (Q(day__isnull=True) | Q(day__in=[v["day"] for v in mine]))
            ).delete()
        written += [
            VariantData(
                variant=variant,
                day=values["day"],
                users=values["users"],
                conversions=values.get("conversions", 0),
                sum=values.get("sum", 0.0),
                sum_squares=values.get("sum_squares", 0.0),
                **{field: values.get(field) for field in PRE_FIELDS},
            )
            for values in mine
        ]
    VariantData.objects.bulk_create(written)
    # Days add up: check what each variant now totals (the transaction undoes the write if refused).
    check_totals(
        stored_totals([variants[key] for key in by_variant]), metric=locked.metric_type, field="rows"
    )
    experiment_data_changed(locked)
    return DataWriteResult(variants=sorted(by_variant), rows_written=len(written))

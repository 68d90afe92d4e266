"""Cluster-randomised pilots and controlled before/after: the design switch and the data writes.

``experiment_cluster_design_set`` sets how the experiment was randomised (by user or by cluster,
draft only) and the change date of a controlled before/after. ``experiment_cluster_data_replace``
stores per-cluster totals, ``experiment_site_values_replace`` the per-period values of pilot and
control sites. Both writes are all or nothing, with one message per row and field.
"""

import csv
import datetime
import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import Conflict, PermissionDenied
from improvement import policies
from improvement.models import (
    ClusterData,
    Experiment,
    ExperimentStatus,
    MetricType,
    RandomisationUnit,
    SiteValue,
)
from improvement.services.experiment_data import (
    MAX_DATA_ROWS,
    MSG_NO_ROWS,
    MSG_NOT_FOR_METRIC,
    MSG_REQUIRED,
    MSG_TOO_MANY_ROWS,
    MSG_UNKNOWN_VARIANT,
    DataWriteResult,
    check_can_push,
    experiment_data_changed,
    lock_for_data,
    variants_by_key,
)
from improvement.services.experiment_totals import MAX_COUNT, MSG_COUNT_TOO_BIG
from improvement.services.experiments import MSG_ARCHIVED
from kpis.stats import aggregates as agg
from kpis.stats.common import finite
from kpis.stats_text import stats_message

MAX_LABEL = 100
MSG_CANNOT_EDIT = gettext_noop("You cannot change this initiative's experiments.")
MSG_UNIT = gettext_noop("randomisation_unit must be 'user' or 'cluster'.")
MSG_UNIT_FROZEN = gettext_noop("The randomisation unit changes only in draft; this experiment is {status}.")
MSG_CONCLUDED = gettext_noop("A concluded experiment does not change.")
MSG_NOT_CLUSTERED = gettext_noop(
    "This experiment is randomised by user; set randomisation_unit to 'cluster' first."
)
MSG_LABEL = gettext_noop("Give a name of 1–100 characters.")
MSG_CLUSTER_TWICE = gettext_noop("Cluster {cluster!r} appears twice.")
MSG_CLUSTER_IN_OTHER_VARIANT = gettext_noop("Cluster {cluster!r} already belongs to variant {variant!r}.")
MSG_SITE_PERIOD_TWICE = gettext_noop("Site {site!r} has two values for {day}.")
MSG_SITE_BOTH_SIDES = gettext_noop("Site {site!r} is given as both pilot and control.")
MSG_PILOT = gettext_noop("pilot must be true or false.")
MSG_DAY = gettext_noop("day must be a date (YYYY-MM-DD).")
MSG_CSV_HEADER = gettext_noop("The CSV needs a header row with the columns {columns}.")
MSG_CSV_TEXT = gettext_noop("The file is not UTF-8 text.")
MSG_ROW_OBJECT = gettext_noop("Each row is an object.")
MSG_VALUE_BOUND = gettext_noop("value must be within ±{limit}.")
CLUSTER_COLUMNS = ("variant", "cluster", "users")
CLUSTER_NUMBERS = ("users", "conversions", "sum", "sum_squares")
SITE_COLUMNS = ("site", "pilot", "day", "value")
PILOT_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _csv_records(stream, *, columns: Sequence[str]) -> list[dict[str, str]]:
    """The CSV's rows as dicts of stripped strings (at most MAX_DATA_ROWS), or a ValidationError."""
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ValidationError({"file": _(MSG_CSV_TEXT)}) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not set(columns) <= {name.strip() for name in reader.fieldnames}:
        raise ValidationError({"file": _(MSG_CSV_HEADER).format(columns=", ".join(columns))})
    records = []
    for record in reader:
        if len(records) == MAX_DATA_ROWS:
            raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_DATA_ROWS)})
        records.append({(k or "").strip(): (v or "").strip() for k, v in record.items()})
    return records


def _number(text: str) -> Any:
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the row's check names the field


def csv_cluster_rows(stream) -> list[dict[str, Any]]:
    """A CSV of ``variant,cluster,users,conversions`` (or ``sum,sum_squares``) as rows to check."""
    return [
        {
            "variant": r.get("variant"),
            "cluster": r.get("cluster"),
            **{c: _number(r.get(c, "")) for c in CLUSTER_NUMBERS},
        }
        for r in _csv_records(stream, columns=CLUSTER_COLUMNS)
    ]


def csv_site_rows(stream) -> list[dict[str, Any]]:
    """A CSV of ``site,pilot,day,value`` (pilot: true/false, yes/no or 1/0) as rows to check."""
    return [
        {
            "site": r["site"],
            "pilot": PILOT_WORDS.get(r["pilot"].lower(), r["pilot"]),
            "day": r["day"],
            "value": _number(r["value"]),
        }
        for r in _csv_records(stream, columns=SITE_COLUMNS)
    ]


def _label(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not 1 <= len(text) <= MAX_LABEL:
        raise ValueError(_(MSG_LABEL))
    return text


@transaction.atomic
def experiment_cluster_design_set(
    *, actor: User, experiment: Experiment, randomisation_unit: str | None = None, **change: Any
) -> Experiment:
    """Set the randomisation unit (draft only) and/or ``change_date`` (until concluded; None clears)."""
    if not policies.can_edit(actor, experiment.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if locked.archived_at is not None:
        raise Conflict(_(MSG_ARCHIVED))
    if locked.status == ExperimentStatus.CONCLUDED:
        raise Conflict(_(MSG_CONCLUDED))
    if randomisation_unit is not None and randomisation_unit != locked.randomisation_unit:
        if randomisation_unit not in RandomisationUnit.values:
            raise ValidationError({"randomisation_unit": _(MSG_UNIT)})
        if locked.status != ExperimentStatus.DRAFT:
            raise Conflict(_(MSG_UNIT_FROZEN).format(status=locked.get_status_display().lower()))
        locked.randomisation_unit = randomisation_unit
    if "change_date" in change:
        locked.change_date = change["change_date"]
    locked._history_user = actor
    locked.version += 1
    locked.save()
    experiment.randomisation_unit, experiment.change_date = locked.randomisation_unit, locked.change_date
    experiment.version = locked.version
    return locked


def _clean_cluster_row(row: Mapping[str, Any], *, metric: str, variants) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"variant": row.get("variant")}
    if values["variant"] not in variants:
        errors["variant"] = _(MSG_UNKNOWN_VARIANT).format(
            key=values["variant"], keys=", ".join(sorted(variants))
        )
    try:
        values["cluster"] = _label(row.get("cluster"))
    except ValueError as exc:
        errors["cluster"] = stats_message(exc)
    wanted, unused = (
        (("users", "conversions"), ("sum", "sum_squares"))
        if metric == MetricType.PROPORTION
        else (("users", "sum", "sum_squares"), ("conversions",))
    )
    for field in unused:
        if row.get(field) is not None:
            errors[field] = _(MSG_NOT_FOR_METRIC).format(metric=metric, field=field)
    for field in wanted:
        if row.get(field) is None:
            errors[field] = _(MSG_REQUIRED).format(metric=metric)
            continue
        try:
            if field in ("users", "conversions"):
                values[field] = agg.whole_count(row[field], name=field)
                if values[field] > MAX_COUNT:
                    raise ValueError(_(MSG_COUNT_TOO_BIG).format(field=field, limit=MAX_COUNT))
            else:
                values[field] = agg.bounded_total(row[field], name=field)
        except ValueError as exc:
            errors[field] = stats_message(exc)
    if not any(field in errors for field in wanted):
        try:
            if metric == MetricType.PROPORTION:
                agg.ProportionAggregate(values["users"], values["conversions"])
            else:
                agg.MeanAggregate(values["users"], values["sum"], values["sum_squares"])
        except ValueError as exc:
            errors["conversions" if metric == MetricType.PROPORTION else "sum_squares"] = stats_message(exc)
    return values, errors


def _check_rows(rows: Sequence[Any]) -> None:
    if not rows:
        raise ValidationError({"rows": _(MSG_NO_ROWS)})
    if len(rows) > MAX_DATA_ROWS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_DATA_ROWS)})


@transaction.atomic
def experiment_cluster_data_replace(
    *, actor: User, experiment: Experiment, rows: Sequence[Mapping[str, Any]]
) -> DataWriteResult:
    """Replace the clusters of the variants the rows name; a cluster belongs to one variant only."""
    check_can_push(actor, experiment)
    _check_rows(rows)
    locked = lock_for_data(experiment)
    if locked.randomisation_unit != RandomisationUnit.CLUSTER:
        raise Conflict(_(MSG_NOT_CLUSTERED))
    variants = variants_by_key(locked)
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[f"rows[{index}]"] = _(MSG_ROW_OBJECT)
            continue
        values, row_errors = _clean_cluster_row(row, metric=locked.metric_type, variants=variants)
        errors.update({f"rows[{index}].{field}": message for field, message in row_errors.items()})
        cluster = values.get("cluster")
        if cluster is not None and cluster in seen:
            errors.setdefault(f"rows[{index}].cluster", _(MSG_CLUSTER_TWICE).format(cluster=cluster))
        if cluster is not None:
            seen[cluster] = values["variant"]
        cleaned.append(values)
    named = {values["variant"] for values in cleaned if values["variant"] in variants}
    elsewhere = dict(
        ClusterData.objects.filter(variant__experiment=locked, cluster__in=list(seen))
        .exclude(variant__key__in=named)
        .values_list("cluster", "variant__key")
    )
    for index, values in enumerate(cleaned):
        if values.get("cluster") in elsewhere:
            errors.setdefault(
                f"rows[{index}].cluster",
                _(MSG_CLUSTER_IN_OTHER_VARIANT).format(
                    cluster=values["cluster"], variant=elsewhere[values["cluster"]]
                ),
            )
    if errors:
        raise ValidationError(errors)
    ClusterData.objects.filter(variant__in=[variants[key] for key in named]).delete()
    written = ClusterData.objects.bulk_create(
        ClusterData(
            variant=variants[values["variant"]],
            cluster=values["cluster"],
            users=values["users"],
            conversions=values.get("conversions", 0),
            sum=values.get("sum", 0.0),
            sum_squares=values.get("sum_squares", 0.0),
        )
        for values in cleaned
    )
    experiment_data_changed(locked)
    return DataWriteResult(variants=sorted(named), rows_written=len(written))


def _clean_site_row(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values["site"] = _label(row.get("site"))
    except ValueError as exc:
        errors["site"] = stats_message(exc)
    if not isinstance(row.get("pilot"), bool):
        errors["pilot"] = _(MSG_PILOT)
    values["pilot"] = row.get("pilot")
    day = row.get("day")
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(day)
        except ValueError:
            day = None
    if isinstance(day, datetime.date) and not isinstance(day, datetime.datetime):
        values["day"] = day
    else:
        errors["day"] = _(MSG_DAY)
    try:
        values["value"] = finite(row.get("value"), name="value")
        if abs(values["value"]) > agg.MAX_ABS_VALUE:
            raise ValueError(_(MSG_VALUE_BOUND).format(limit=f"{agg.MAX_ABS_VALUE:g}"))
    except ValueError as exc:
        errors["value"] = stats_message(exc)
    return values, errors


@transaction.atomic
def experiment_site_values_replace(
    *, actor: User, experiment: Experiment, rows: Sequence[Mapping[str, Any]]
) -> DataWriteResult:
    """Replace every site value of the experiment: ``{site, pilot, day, value}`` per site and period."""
    check_can_push(actor, experiment)
    _check_rows(rows)
    locked = lock_for_data(experiment)
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    periods: set[tuple[str, datetime.date]] = set()
    sides: dict[str, bool] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[f"rows[{index}]"] = _(MSG_ROW_OBJECT)
            continue
        values, row_errors = _clean_site_row(row)
        errors.update({f"rows[{index}].{field}": message for field, message in row_errors.items()})
        if row_errors:
            continue
        site = values["site"]
        if (site, values["day"]) in periods:
            errors[f"rows[{index}].day"] = _(MSG_SITE_PERIOD_TWICE).format(site=site, day=values["day"])
        if sides.setdefault(site, values["pilot"]) != values["pilot"]:
            errors[f"rows[{index}].pilot"] = _(MSG_SITE_BOTH_SIDES).format(site=site)
        periods.add((site, values["day"]))
        cleaned.append(values)
    if errors:
        raise ValidationError(errors)
    SiteValue.objects.filter(experiment=locked).delete()
    written = SiteValue.objects.bulk_create(SiteValue(experiment=locked, **values) for values in cleaned)
    experiment_data_changed(locked)
    return DataWriteResult(variants=[], rows_written=len(written))

"""KPI targets of an initiative, their evaluation for Check, and status updates."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import Conflict, PermissionDenied
from common.models import save_versioned
from common.services import fields_refuse_unknown, model_update
from improvement import policies
from improvement.models import Evaluation, Initiative, KpiTarget, StatusUpdate
from improvement.progress import target_is_improvement
from improvement.services.notifications import target_met_announce
from kpis.models import Kpi
from kpis.selectors import kpi_series
from kpis.services import kpi_validate_value
from kpis.stats import before_after
from kpis.stats_text import stats_message

TARGET_FIELDS = (
    "segment",
    "baseline_value",
    "baseline_start",
    "baseline_end",
    "target_value",
    "target_date",
    "is_primary",
    "unit_value_per_month",
)
DEFAULT_ALPHA = 0.05
# The initiative and the KPI are the caller's, checked by the policy and the duplicate rule.
CLEAN_EXCLUDE = ("initiative", "kpi")

MSG_CANNOT_EDIT = gettext_noop("You cannot change this initiative's targets.")
MSG_UNKNOWN_FIELD = gettext_noop("Unknown field.")
MSG_ARCHIVED = gettext_noop("This initiative is archived.")
MSG_TARGET_NOT_BETTER = gettext_noop("The target must be better than the baseline: {direction}.")
MSG_DUPLICATE_TARGET = gettext_noop("This initiative already has a target for this KPI and segment.")
MSG_NEGATIVE_UNIT_VALUE = gettext_noop("The value of one unit of improvement cannot be negative.")
MSG_CANNOT_POST = gettext_noop("Only the initiative's lead (or an admin) posts status updates.")
MSG_EMPTY_NARRATIVE = gettext_noop("Say what happened: the narrative cannot be empty.")
MSG_FUTURE_UPDATE = gettext_noop("A status update cannot be dated in the future.")
MSG_NOTHING_TO_EVALUATE = gettext_noop(
    "No measurement of {kpi} is dated on or after {start}, the day this cycle started: "
    "record one, then evaluate."
)


def _check_target(target: KpiTarget) -> None:
    """The target's own rules, before the model's field validation."""
    errors = {}
    for field in ("baseline_value", "target_value"):
        message = kpi_validate_value(kpi=target.kpi, value=getattr(target, field))
        if message:
            errors[field] = message
    if not errors and not target_is_improvement(
        baseline=target.baseline_value,
        target=target.target_value,
        higher_is_better=target.kpi.higher_is_better,
    ):
        errors["target_value"] = _(MSG_TARGET_NOT_BETTER).format(
            direction=target.kpi.get_direction_display().lower()
        )
    if target.unit_value_per_month is not None and target.unit_value_per_month < 0:
        errors["unit_value_per_month"] = _(MSG_NEGATIVE_UNIT_VALUE)
    duplicate = (
        KpiTarget.objects.active()
        .filter(initiative=target.initiative, kpi=target.kpi, segment=target.segment)
        .exclude(pk=target.pk)
    )
    if duplicate.exists():
        errors["kpi"] = _(MSG_DUPLICATE_TARGET)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def kpi_target_create(
    *, actor: User, initiative: Initiative, kpi: Kpi, baseline_value: float, target_value: float, **fields
) -> KpiTarget:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    fields_refuse_unknown(fields, allowed=TARGET_FIELDS, message=_(MSG_UNKNOWN_FIELD))
    target = KpiTarget(
        initiative=initiative, kpi=kpi, baseline_value=baseline_value, target_value=target_value, **fields
    )
    _check_target(target)
    target.full_clean(exclude=CLEAN_EXCLUDE)
    target._history_user = actor
    target.save()
    return target


@transaction.atomic
def kpi_target_update(
    *, actor: User, target: KpiTarget, expected_version: int | None = None, **fields
) -> KpiTarget:
    """Change a target; of two writers that read the same version, one gets ``StaleVersion``."""
    if not policies.can_edit(actor, target.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    model_update(
        target,
        actor=actor,
        data=fields,
        allowed=TARGET_FIELDS,
        clean_exclude=CLEAN_EXCLUDE,
        prepare=lambda changed: _check_target(target),
        expected_version=target.version if expected_version is None else expected_version,
    )
    return target


@transaction.atomic
def kpi_target_archive(*, actor: User, target: KpiTarget) -> KpiTarget:
    if not policies.can_edit(actor, target.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    if target.archived_at is None:
        target.archived_at = timezone.now()
        save_versioned(target, update_fields=["archived_at"], expected_version=target.version, actor=actor)
    return target


def _baseline_window(target: KpiTarget) -> tuple[dt.date | None, dt.date]:
    end = target.baseline_end or (target.initiative.cycle_started_on - dt.timedelta(days=1))
    return target.baseline_start, end


@transaction.atomic
def kpi_target_evaluate(*, actor: User, target: KpiTarget, alpha: float = DEFAULT_ALPHA) -> KpiTarget:
    """Label the target met / improved / no significant change / worse from its measurements.

    The baseline window's period values are compared with those from the cycle start on (Welch's
    test, direction-aware; a one-sample test against the baseline value when the window has fewer
    than two points). The start day counts, as it does for the Do → Check gate: a lead who records
    today's value on the day the cycle started has evidence. This evaluation feeds the Check → Act gate.
    """
    if not policies.can_edit(actor, target.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    start, end = _baseline_window(target)
    baseline_values = [v for _, v in kpi_series(kpi=target.kpi, segment=target.segment, start=start, end=end)]
    cycle_start = target.initiative.cycle_started_on
    after_values = [v for _, v in kpi_series(kpi=target.kpi, segment=target.segment, start=cycle_start)]
    if not after_values:
        start = date_format(cycle_start, "j M Y")
        raise ValidationError(
            {"evaluation": _(MSG_NOTHING_TO_EVALUATE).format(kpi=target.kpi.name, start=start)}
        )
    try:
        result = before_after(
            baseline_values=baseline_values,
            after_values=after_values,
            baseline_value=target.baseline_value,
            target_value=target.target_value,
            direction=target.kpi.direction,
            alpha=alpha,
        )
    except ValueError as exc:
        raise ValidationError({"evaluation": stats_message(exc)}) from exc
    target.evaluation = result.label
    target.evaluation_detail = result.to_dict()
    target.evaluated_at = timezone.now()
    # Versioned: an edit of the baseline or target committed meanwhile refuses this stale label.
    save_versioned(
        target,
        update_fields=["evaluation", "evaluation_detail", "evaluated_at"],
        expected_version=target.version,
        actor=actor,
    )
    if target.evaluation == Evaluation.MET:
        target_met_announce(target=target)
    return target


@transaction.atomic
def status_update_post(
    *, actor: User, initiative: Initiative, health: str, narrative: str, date: dt.date | None = None
) -> StatusUpdate:
    """Record the lead's dated update; the newest one sets the initiative's current health."""
    if not (actor.is_admin or initiative.lead_id == actor.pk or policies.can_edit(actor, initiative)):
        raise PermissionDenied(_(MSG_CANNOT_POST))
    date = date or timezone.localdate()
    errors = {}
    if not narrative.strip():
        errors["narrative"] = _(MSG_EMPTY_NARRATIVE)
    if date > timezone.localdate():
        errors["date"] = _(MSG_FUTURE_UPDATE)
    if errors:
        raise ValidationError(errors)
    update = StatusUpdate(
        initiative=initiative, author=actor, date=date, health=health, narrative=narrative.strip()
    )
    update.full_clean()
    update.save()
    newest = StatusUpdate.objects.filter(initiative=initiative).order_by("-date", "-id").first()
    if newest.pk == update.pk and initiative.health != health:
        locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
        if locked.archived_at is not None:
            raise Conflict(_(MSG_ARCHIVED))
        locked.health = health
        locked.version += 1
        locked._history_user = actor
        locked.save(update_fields=["health", "version", "updated_at"])
        initiative.health, initiative.version = locked.health, locked.version
    return update

"""A/B experiments: the status machine (design checks in ``experiment_design``, data in
``experiment_data``, reads in selectors).

Status: draft → running → stopped → concluded (running → concluded directly is allowed too). The
design (KPI, metric, alpha, power, MDE, variants) changes only in draft; data arrive while the
experiment runs or after it stopped, never in draft or once concluded.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import Conflict, PermissionDenied, StaleVersion
from common.models import save_versioned
from common.services import fields_refuse_unknown
from improvement import policies, selectors
from improvement.models import (
    Experiment,
    ExperimentDecision,
    ExperimentStatus,
    Initiative,
    MdeType,
    MetricType,
    Status,
    Variant,
    WebhookEventType,
)
from improvement.services.experiment_design import clean_design, clean_variants, set_guardrails
from improvement.services.webhooks import initiative_ref, webhook_event_emit
from kpis.models import Kpi
from kpis.stats.sequential import DEFAULT_TUNING

DESIGN_FIELDS = (
    "primary_kpi",
    "metric_type",
    "alpha",
    "power",
    "mde",
    "mde_type",
    "sequential",
    "sequential_tuning",
)
TEXT_FIELDS = ("name", "hypothesis")
DATA_STATUSES = (ExperimentStatus.RUNNING, ExperimentStatus.STOPPED)

MSG_CANNOT_EDIT = gettext_noop("You cannot change this initiative's experiments.")
MSG_INITIATIVE_CLOSED = gettext_noop("Experiments run only on active initiatives (this one is {status}).")
MSG_ARCHIVED = gettext_noop("This experiment is archived.")
MSG_DESIGN_FROZEN = gettext_noop("The design of an experiment changes only in draft; this one is {status}.")
MSG_BAD_MOVE = {
    "started": gettext_noop("A {status} experiment cannot be started."),
    "stopped": gettext_noop("A {status} experiment cannot be stopped."),
    "concluded": gettext_noop("A {status} experiment cannot be concluded."),
}
MSG_DECISION_REQUIRED = gettext_noop("Concluding needs a decision: ship, iterate or abandon.")
MSG_UNKNOWN_DECISION = gettext_noop("Unknown decision: {decision}.")


def _check_can_edit(actor: User, initiative: Initiative) -> None:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))


def _check_initiative_open(initiative: Initiative) -> None:
    if initiative.archived_at is not None or initiative.status != Status.ACTIVE:
        status = "archived" if initiative.archived_at else initiative.get_status_display().lower()
        raise Conflict(_(MSG_INITIATIVE_CLOSED).format(status=status))


@transaction.atomic
def experiment_create(
    *,
    actor: User,
    initiative: Initiative,
    name: str,
    primary_kpi: Kpi,
    variants: Sequence[Mapping[str, Any]],
    hypothesis: str = "",
    metric_type: str = MetricType.PROPORTION,
    alpha: float = 0.05,
    power: float = 0.8,
    mde: float | None = None,
    mde_type: str = MdeType.RELATIVE,
    sequential: bool = False,
    sequential_tuning: float = DEFAULT_TUNING,
    guardrail_kpis: Iterable[Kpi] = (),
) -> Experiment:
    """A draft experiment with its variants (exactly one control)."""
    _check_can_edit(actor, initiative)
    _check_initiative_open(initiative)
    design = clean_design(
        {
            "metric_type": metric_type,
            "alpha": alpha,
            "power": power,
            "mde": mde,
            "mde_type": mde_type,
            "sequential": sequential,
            "sequential_tuning": sequential_tuning,
        }
    )
    cleaned = clean_variants(variants)
    experiment = Experiment(
        initiative=initiative,
        name=name.strip(),
        hypothesis=hypothesis.strip(),
        primary_kpi=primary_kpi,
        **design,
    )
    experiment.full_clean(exclude=["initiative", "primary_kpi"])
    experiment._history_user = actor
    experiment.save()
    set_guardrails(experiment, guardrail_kpis)
    for variant in cleaned:
        variant.experiment = experiment
    Variant.objects.bulk_create(cleaned)
    return experiment


def _lock(experiment: Experiment, expected_version: int | None) -> tuple[Experiment, int]:
    expected = experiment.version if expected_version is None else expected_version
    locked = Experiment.objects.select_for_update().select_related("initiative").get(pk=experiment.pk)
    if locked.version != expected:
        raise StaleVersion()
    if locked.archived_at is not None:
        raise Conflict(_(MSG_ARCHIVED))
    return locked, expected


def _refresh(experiment: Experiment, locked: Experiment, names: Iterable[str]) -> None:
    for name in (*names, "version", "updated_at"):
        setattr(experiment, name, getattr(locked, name))


@transaction.atomic
def experiment_update(
    *,
    actor: User,
    experiment: Experiment,
    expected_version: int | None = None,
    variants: Sequence[Mapping[str, Any]] | None = None,
    guardrail_kpis: Iterable[Kpi] | None = None,
    **fields,
) -> Experiment:
    """Change name and hypothesis at any time before concluding; the design only in draft.

    ``variants``, when given, replace the draft's variants (a draft holds no data). Saved without
    ``model_update``: variants and guardrails live outside the row, yet changing them must move
    the version on too, so every accepted update is a versioned save.
    """
    _check_can_edit(actor, experiment.initiative)
    fields_refuse_unknown(fields, allowed=(*DESIGN_FIELDS, *TEXT_FIELDS))
    locked, expected = _lock(experiment, expected_version)
    # Set before the guardrails change: that m2m write records a history row of its own.
    locked._history_user = actor
    design_change = variants is not None or guardrail_kpis is not None or set(fields) & set(DESIGN_FIELDS)
    if locked.status == ExperimentStatus.CONCLUDED or (
        design_change and locked.status != ExperimentStatus.DRAFT
    ):
        raise Conflict(_(MSG_DESIGN_FROZEN).format(status=locked.get_status_display().lower()))
    for name, value in fields.items():
        setattr(locked, name, value.strip() if name in TEXT_FIELDS else value)
    design = clean_design({name: getattr(locked, name) for name in DESIGN_FIELDS if name != "primary_kpi"})
    for name, value in design.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["initiative", "primary_kpi", "guardrail_kpis"])
    if variants is not None:
        cleaned = clean_variants(variants)
        locked.variants.all().delete()
        for variant in cleaned:
            variant.experiment = locked
        Variant.objects.bulk_create(cleaned)
    if guardrail_kpis is not None or "primary_kpi" in fields:
        current = locked.guardrail_kpis.all() if guardrail_kpis is None else guardrail_kpis
        set_guardrails(locked, current)
    save_versioned(locked, update_fields=list(fields), expected_version=expected, actor=actor)
    _refresh(experiment, locked, fields)
    return experiment


def _move(
    *,
    actor: User,
    experiment: Experiment,
    expected_version: int | None,
    sources: Sequence[str],
    target: str,
    verb: str,
    stamp: str,
    extra: Mapping[str, Any] | None = None,
) -> Experiment:
    _check_can_edit(actor, experiment.initiative)
    locked, expected = _lock(experiment, expected_version)
    if locked.status not in sources:
        raise Conflict(_(MSG_BAD_MOVE[verb]).format(status=locked.get_status_display().lower()))
    if target == ExperimentStatus.RUNNING:
        _check_initiative_open(locked.initiative)
    locked.status = target
    setattr(locked, stamp, timezone.now())
    for name, value in (extra or {}).items():
        setattr(locked, name, value)
    names = ["status", stamp, *(extra or {})]
    save_versioned(locked, update_fields=names, expected_version=expected, actor=actor)
    _refresh(experiment, locked, names)
    return experiment


@transaction.atomic
def experiment_start(
    *, actor: User, experiment: Experiment, expected_version: int | None = None
) -> Experiment:
    """Draft → running: the design is frozen from here on."""
    return _move(
        actor=actor,
        experiment=experiment,
        expected_version=expected_version,
        sources=[ExperimentStatus.DRAFT],
        target=ExperimentStatus.RUNNING,
        verb="started",
        stamp="started_at",
    )


@transaction.atomic
def experiment_stop(
    *, actor: User, experiment: Experiment, expected_version: int | None = None
) -> Experiment:
    """Running → stopped: traffic ends; late data may still arrive before concluding."""
    return _move(
        actor=actor,
        experiment=experiment,
        expected_version=expected_version,
        sources=[ExperimentStatus.RUNNING],
        target=ExperimentStatus.STOPPED,
        verb="stopped",
        stamp="stopped_at",
    )


@transaction.atomic
def experiment_conclude(
    *,
    actor: User,
    experiment: Experiment,
    decision: str,
    note: str = "",
    expected_version: int | None = None,
) -> Experiment:
    """Running or stopped → concluded with a decision (ship, iterate, abandon); data freeze here.

    Stopping a running experiment on the way is implied (``stopped_at`` is set if it was not).
    The ``experiment.concluded`` webhook event commits with the change; deliveries go out after.
    """
    if not decision:
        raise ValidationError({"decision": _(MSG_DECISION_REQUIRED)})
    if decision not in ExperimentDecision.values:
        raise ValidationError({"decision": _(MSG_UNKNOWN_DECISION).format(decision=decision)})
    extra: dict[str, Any] = {"decision": decision, "decision_note": note.strip(), "concluded_by": actor}
    if experiment.stopped_at is None:
        extra["stopped_at"] = timezone.now()
    experiment = _move(
        actor=actor,
        experiment=experiment,
        expected_version=expected_version,
        sources=DATA_STATUSES,
        target=ExperimentStatus.CONCLUDED,
        verb="concluded",
        stamp="concluded_at",
        extra=extra,
    )
    _announce_concluded(experiment=experiment, actor=actor)
    return experiment


def _announce_concluded(*, experiment: Experiment, actor: User) -> None:
    initiative = experiment.initiative
    results = selectors.experiment_results(experiment=experiment)
    webhook_event_emit(
        type=WebhookEventType.EXPERIMENT_CONCLUDED,
        dedupe_key=f"experiment.concluded:{experiment.pk}",
        data={
            "initiative": initiative_ref(initiative),
            "experiment": {
                "id": experiment.pk,
                "name": experiment.name,
                "metric_type": experiment.metric_type,
            },
            "decision": experiment.decision,
            "note": experiment.decision_note,
            "actor": actor.email,
            "at": experiment.concluded_at.isoformat(),
            "comparisons": [
                {
                    key: comparison[key]
                    for key in ("variant", "relative_effect", "relative_ci", "p_value_holm", "significant")
                }
                for comparison in (results["comparisons"] if results else [])
            ],
        },
        team_ids=[initiative.team_id],
    )


@transaction.atomic
def experiment_archive(*, actor: User, experiment: Experiment) -> Experiment:
    _check_can_edit(actor, experiment.initiative)
    if experiment.archived_at is None:
        locked, expected = _lock(experiment, None)
        locked.archived_at = timezone.now()
        save_versioned(locked, update_fields=["archived_at"], expected_version=expected, actor=actor)
        _refresh(experiment, locked, ["archived_at"])
    return experiment

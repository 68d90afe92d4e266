"""Keeps each initiative's money summary in step with every write that changes its money, each KPI
target's progress with every write of the target, the roll-up's count of initiatives at risk
with every milestone written, and drops the roadmap's cached owner choices when a milestone, an
initiative or a person is written, the initiatives list's kept count when an initiative is
created, archived, restored or deleted, and the whole board's kept counts and lead choices.

Connected in ``ImprovementConfig.ready``. Model signals catch every ``save()`` and ``delete()``
(services, admin, imports and the demo loader all save models); measurements, written in bulk,
announce their series with ``kpis.signals.measurements_written``. Each receiver runs inside the
writing transaction, so a summary never commits without the write, nor the write without it —
except a batch of measurements, whose refresh is a task recorded in the write's transaction (the
outbox) and run after it commits: the write cannot be lost, its summaries follow within moments.
"""

from django.db.models.signals import post_delete, post_save

from accounts.models import User
from common.outbox import outbox_enqueue
from improvement.models import Benefit, Cost, Initiative, KpiTarget, Milestone
from improvement.selectors.board import board_leads_written, board_totals_written
from improvement.selectors.initiative_count import initiative_count_written
from improvement.selectors.initiatives import initiatives_at_risk_written
from improvement.selectors.roadmap import milestone_owners_written
from improvement.services.money_rollup import initiative_rollup_recount
from improvement.services.money_summaries import (
    MONEY_SERIES_TASK,
    initiative_counted_again,
    money_summaries_refresh,
    money_summaries_refresh_series,
    series_periods_to_args,
)
from improvement.services.target_progress import targets_progress_refresh
from kpis.models import Kpi, Measurement
from kpis.signals import measurements_written

INITIATIVE_MONEY_FIELDS = {
    "start_date",
    "horizon_months",
    "discount_rate",
    "team",
    "category",
    "stage",
    "health",
    "status",
    "archived_at",
}
# Fields of a milestone that can make its initiative at risk (an overdue open milestone).
MILESTONE_AT_RISK_FIELDS = {"status", "due_date", "archived_at", "initiative"}
# What the roadmap's owner choices read: who owns a milestone of an active initiative, by name.
OWNER_CHOICE_FIELDS = {
    Milestone: {"owner", "initiative", "archived_at"},
    Initiative: {"status", "archived_at"},
    User: {"full_name", "email"},
}
# What the first rows at risk read (``initiative_at_risk_first``): which initiatives are listed, at
# risk, with how many overdue milestones, in which order.
AT_RISK_ORDER_FIELDS = {
    Milestone: MILESTONE_AT_RISK_FIELDS,
    Initiative: {"status", "health", "code", "team", "category", "archived_at"},
}
# What the unfiltered list's kept count reads: which initiatives there are, and which are archived
# (a new one is a save without fields named).
INITIATIVE_COUNT_FIELDS = {Initiative: {"archived_at"}}
# What the whole board's counts read: which initiatives there are, in which stage and status.
BOARD_TOTALS_FIELDS = {Initiative: {"stage", "status", "archived_at"}}
# What the board's lead choices read: who leads an initiative the board shows, by name.
BOARD_LEAD_FIELDS = {Initiative: {"lead", "status", "archived_at"}, User: {"full_name", "email"}}
# Each cached answer's drop, with the models and fields it reads (any field on a delete).
CACHED_ANSWERS = (
    (milestone_owners_written, OWNER_CHOICE_FIELDS),
    (initiatives_at_risk_written, AT_RISK_ORDER_FIELDS),
    (initiative_count_written, INITIATIVE_COUNT_FIELDS),
    (board_totals_written, BOARD_TOTALS_FIELDS),
    (board_leads_written, BOARD_LEAD_FIELDS),
)
# Fields of a KPI target the money depends on (an update naming none of them changes no money).
TARGET_MONEY_FIELDS = {
    "baseline_value",
    "target_value",
    "unit_value_per_month",
    "kpi",
    "segment",
    "archived_at",
    "initiative",
}


def _deleted_with_its_initiative(origin) -> bool:
    """Whether a delete started from an initiative: its summary goes with it (CASCADE)."""
    model = getattr(origin, "model", type(origin))
    return model is Initiative


def _line_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the summaries come with the fixture
        return
    if sender is KpiTarget:
        if update_fields is not None and not set(update_fields) & TARGET_MONEY_FIELDS:
            return
        # Before the money: its refresh counts the initiative's roll-up row again, progress included.
        targets_progress_refresh(targets=KpiTarget.objects.filter(pk=instance.pk))
    money_summaries_refresh(initiative_ids=[instance.initiative_id])


def _line_deleted(sender, instance, origin=None, **kwargs) -> None:
    if not _deleted_with_its_initiative(origin):
        money_summaries_refresh(initiative_ids=[instance.initiative_id])


def _initiative_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    """A new initiative gets its (empty) summary; a new start date moves its months' dates; a new
    team, category, stage, health, status or archiving moves it in the roll-up."""
    if raw:  # loaddata: the summaries come with the fixture
        return
    if update_fields is not None and not set(update_fields) & INITIATIVE_MONEY_FIELDS:
        return
    if created:
        money_summaries_refresh(initiative_ids=[instance.pk])
    else:
        initiative_counted_again(initiative=instance)


def _milestone_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (update_fields is not None and not set(update_fields) & MILESTONE_AT_RISK_FIELDS):
        return
    initiative_rollup_recount(initiative_id=instance.initiative_id)


def _milestone_deleted(sender, instance, origin=None, **kwargs) -> None:
    if not _deleted_with_its_initiative(origin):
        initiative_rollup_recount(initiative_id=instance.initiative_id)


def _kpi_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    """A KPI's direction decides which way is an improvement: the initiatives valuing it are redone."""
    if raw:  # loaddata: the summaries come with the fixture
        return
    if created or (update_fields is not None and "direction" not in update_fields):
        return
    following = KpiTarget.objects.active().filter(kpi=instance).exclude(unit_value_per_month=None)
    money_summaries_refresh(initiative_ids=following.values_list("initiative_id", flat=True).distinct())


def _measurement_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the summaries come with the fixture
        return
    money_summaries_refresh_series(periods={(instance.kpi_id, instance.segment): instance.period})


def _measurements_written(sender, periods, **kwargs) -> None:
    """A batch of measurements (the API's bulk upsert, an import, the form): the summaries of the
    initiatives following the written series are refreshed after commit, off the write, by a task
    (thousands of summaries may follow a batch's series). Until it has run they show the previous
    latest values (docs/money.md, *When the summaries move*)."""
    if periods:
        outbox_enqueue(task=MONEY_SERIES_TASK, args=[series_periods_to_args(periods)])


def _cached_answers_saved(sender, instance, update_fields=None, **kwargs) -> None:
    for dropped, fields in CACHED_ANSWERS:
        if sender in fields and (update_fields is None or set(update_fields) & fields[sender]):
            dropped()


def _cached_answers_deleted(sender, instance, **kwargs) -> None:
    for dropped, fields in CACHED_ANSWERS:
        if sender in fields:
            dropped()


def connect() -> None:
    for model in {model for _, fields in CACHED_ANSWERS for model in fields}:
        uid = f"improvement.cached_answers.{model.__name__}"
        post_save.connect(_cached_answers_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(_cached_answers_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
    uid = "improvement.money_summary"
    for model in (Cost, Benefit, KpiTarget):
        post_save.connect(_line_saved, sender=model, dispatch_uid=f"{uid}.{model.__name__}.saved")
        post_delete.connect(_line_deleted, sender=model, dispatch_uid=f"{uid}.{model.__name__}.deleted")
    post_save.connect(_initiative_saved, sender=Initiative, dispatch_uid=f"{uid}.initiative")
    post_save.connect(_milestone_saved, sender=Milestone, dispatch_uid=f"{uid}.milestone.saved")
    post_delete.connect(_milestone_deleted, sender=Milestone, dispatch_uid=f"{uid}.milestone.deleted")
    post_save.connect(_kpi_saved, sender=Kpi, dispatch_uid=f"{uid}.kpi")
    post_save.connect(_measurement_saved, sender=Measurement, dispatch_uid=f"{uid}.measurement")
    measurements_written.connect(_measurements_written, dispatch_uid=f"{uid}.measurements")

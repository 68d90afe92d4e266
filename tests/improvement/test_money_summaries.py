"""Each initiative's money summary: equal to the live figures, kept in step by every write."""

import datetime as dt
import random
from decimal import Decimal

import numpy_financial as npf
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from common.models import OutboxMessage
from improvement import roi
from improvement.models import (
    Benefit,
    Category,
    Health,
    Initiative,
    InitiativeMoney,
    InitiativeMoneyMonth,
    MilestoneStatus,
    PortfolioRollup,
    Status,
)
from improvement.selectors.initiatives import initiative_portfolio, needs_attention
from improvement.selectors.money import (
    benefit_list_awaiting_validation,
    initiative_money,
    portfolio_summary_live,
)
from improvement.selectors.portfolio_rollup import portfolio_summary
from improvement.services import money, targets
from improvement.services.money_summaries import MONEY_SERIES_TASK, month_complete_on
from improvement.tasks import refresh_money_for_series
from kpis.services import kpi_update, measurement_record
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

FIGURES = (
    "total_cost", "total_benefit", "projected_12m_benefit", "roi_percent", "payback_months", "npv",
    "irr_monthly", "irr_annual", "discounted_payback_months",
)  # fmt: skip


def _assert_summary_is_live(initiative: Initiative) -> None:
    """Bit for bit: the stored figures are those computed from the money rows now."""
    live = initiative_money(initiative=initiative)
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    for figure in FIGURES:
        assert repr(getattr(stored, figure)) == repr(getattr(live, figure)), figure
    for part in ("validated_hard", "validated_soft", "claimed_hard", "claimed_soft", "derived"):
        assert repr(getattr(stored, part)) == repr(getattr(live.split, part)), part
    assert stored.one_time_cost == live.one_time_cost
    months = InitiativeMoneyMonth.objects.filter(initiative=initiative).order_by("month")
    assert [m.recurring_cost for m in months] == live.lines.recurring_costs
    assert [m.benefit for m in months] == live.lines.benefits


def _random_portfolio(seed: int, count: int) -> list[Initiative]:
    rng = random.Random(seed)
    teams = [TeamFactory() for _ in range(3)]
    kpis = [KpiFactory(direction=direction) for direction in ("higher", "lower")]
    today = dt.date.today()
    for kpi in kpis:
        MeasurementFactory(kpi=kpi, period=today - dt.timedelta(days=1), value=rng.uniform(0, 100))
    made = []
    for _ in range(count):
        initiative = InitiativeFactory(
            team=rng.choice(teams),
            category=rng.choice(Category.values),
            start_date=today - dt.timedelta(days=rng.randint(0, 600)),
        )
        for _ in range(rng.randint(0, 3)):
            kind, start = rng.choice(["one_time", "recurring"]), rng.randint(1, 14)
            CostFactory(
                initiative=initiative,
                kind=kind,
                amount=Decimal(rng.randint(0, 5_000_000)) / 100,
                start_month=start,
                end_month=None if kind == "one_time" else rng.choice([None, start + rng.randint(0, 8)]),
            )
        for _ in range(rng.randint(0, 3)):
            start = rng.randint(1, 14)
            BenefitFactory(
                initiative=initiative,
                monthly_amount=Decimal(rng.randint(0, 900_000)) / 100,
                start_month=start,
                end_month=rng.choice([None, start + rng.randint(0, 8)]),
                validated=rng.random() < 0.5,
                nature=rng.choice(["hard", "soft"]),
            )
        for kpi in rng.sample(kpis, rng.randint(0, 2)):
            KpiTargetFactory(
                initiative=initiative,
                kpi=kpi,
                baseline_value=rng.uniform(0, 100),
                unit_value_per_month=rng.choice([None, Decimal(rng.randint(1, 50_000)) / 100]),
            )
        made.append(initiative)
    return made


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_summary_equals_the_live_computation_on_random_portfolios(seed):
    for initiative in _random_portfolio(seed, 12):
        _assert_summary_is_live(initiative)


def test_the_summary_of_the_worked_example_matches_numpy_financial(lead):
    initiative = InitiativeFactory(lead=lead)
    money.cost_create(actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="1200")
    money.benefit_create(
        actor=lead, initiative=initiative, kind="cost_saving", description="Hours", monthly_amount="300"
    )
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    flows = [-1200] + [300] * 12
    assert stored.payback_months == 4.0
    assert stored.roi_percent == pytest.approx(200)
    assert stored.npv == pytest.approx(npf.npv(roi.monthly_rate(0.08), flows), rel=1e-12)
    assert stored.irr_monthly == pytest.approx(npf.irr(flows), rel=1e-12)


def test_every_money_write_updates_the_summary_in_its_transaction(
    lead, finance, admin, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(lead=lead)
    assert InitiativeMoney.objects.get(pk=initiative.pk).total_cost == 0

    cost = money.cost_create(
        actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="900"
    )
    assert InitiativeMoney.objects.get(pk=initiative.pk).total_cost == 900
    money.cost_update(actor=lead, cost=cost, amount=Decimal("1000"))
    benefit = money.benefit_create(
        actor=lead, initiative=initiative, kind="cost_saving", description="Hours", monthly_amount="250"
    )
    _assert_summary_is_live(initiative)
    money.benefit_validate(actor=finance, benefit=benefit)
    assert InitiativeMoney.objects.get(pk=initiative.pk).validated_hard == 3000
    money.money_line_archive(actor=lead, line=cost)
    assert InitiativeMoney.objects.get(pk=initiative.pk).total_cost == 0

    kpi = KpiFactory(direction="higher")
    target = targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=kpi, baseline_value=10, target_value=20, unit_value_per_month=5
    )
    # Measurements move the summaries after commit (a task through the outbox): see the test below.
    with django_capture_on_commit_callbacks(execute=True):
        measurement_record(actor=admin, kpi=kpi, period=dt.date.today() - dt.timedelta(days=1), value=14)
    assert InitiativeMoney.objects.get(pk=initiative.pk).derived_monthly_benefit == 20  # 4 units × 5
    kpi_update(actor=admin, kpi=kpi, direction="lower")
    assert InitiativeMoney.objects.get(pk=initiative.pk).derived_monthly_benefit == 0  # now worse
    targets.kpi_target_archive(actor=lead, target=target)
    _assert_summary_is_live(initiative)

    initiative.start_date -= dt.timedelta(days=40)
    initiative.save()
    assert InitiativeMoney.objects.get(pk=initiative.pk).start_date == initiative.start_date
    _assert_summary_is_live(initiative)


def test_a_refused_write_leaves_the_summary_as_it_was(lead):
    initiative = InitiativeFactory(lead=lead)
    CostFactory(initiative=initiative, amount=Decimal("100"))
    with pytest.raises(Exception):  # noqa: B017 -- any refusal: the amount is negative
        money.cost_create(actor=lead, initiative=initiative, kind="one_time", description="x", amount="-1")
    assert InitiativeMoney.objects.get(pk=initiative.pk).total_cost == 100


def test_deleting_an_initiative_takes_its_summary_with_it():
    initiative = InitiativeFactory()
    CostFactory(initiative=initiative)
    BenefitFactory(initiative=initiative)
    initiative.delete()
    assert not InitiativeMoney.objects.exists() and not InitiativeMoneyMonth.objects.exists()


def test_the_command_rebuilds_missing_and_outdated_summaries(settings, capsys):
    made = _random_portfolio(4, 5)
    InitiativeMoney.objects.all().delete()
    settings.PDCA_ROI_HORIZON_MONTHS = 6

    call_command("rebuild_money_summaries")

    assert "5 money summaries written" in capsys.readouterr().out
    assert InitiativeMoneyMonth.objects.filter(month__gt=6).count() == 0
    for initiative in made:
        _assert_summary_is_live(initiative)


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    month=st.integers(min_value=1, max_value=40),
)
def test_a_month_is_complete_from_the_day_months_between_counts_it(start, month):
    day = month_complete_on(start, month)
    assert roi.months_between(start, day) >= month
    assert roi.months_between(start, day - dt.timedelta(days=1)) < month


def _close(a, b) -> None:
    for figure in ("total_cost", "total_benefit", "benefit_to_date", "projected_12m_benefit", "npv"):
        assert getattr(a, figure) == pytest.approx(getattr(b, figure), rel=1e-9, abs=1e-6), figure
    for figure in ("roi_percent", "payback_months"):
        x, y = getattr(a, figure), getattr(b, figure)
        assert (x is None) == (y is None) and (x is None or x == pytest.approx(y, rel=1e-9, abs=1e-9)), figure
    assert a.split.total == pytest.approx(b.split.total, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", [5, 6])
def test_the_roll_up_of_summaries_equals_the_live_roll_up(executive, seed):
    _random_portfolio(seed, 20)
    summed, live = portfolio_summary(user=executive), portfolio_summary_live(user=executive)

    assert (summed.initiatives, summed.by_stage, summed.by_health, summed.by_status) == (
        live.initiatives, live.by_stage, live.by_health, live.by_status,
    )  # fmt: skip
    _close(summed.money, live.money)
    for mine, theirs in zip(
        summed.by_team + summed.by_category, live.by_team + live.by_category, strict=True
    ):
        assert (mine.key, mine.label, mine.initiatives) == (theirs.key, theirs.label, theirs.initiatives)
        _close(mine.money, theirs.money)


def test_the_roll_up_is_written_again_when_it_is_missing(executive):
    _random_portfolio(7, 4)
    InitiativeMoney.objects.all().delete()
    PortfolioRollup.objects.all().delete()

    _close(portfolio_summary(user=executive).money, portfolio_summary_live(user=executive).money)
    assert InitiativeMoney.objects.count() == 4 and PortfolioRollup.objects.exists()


def test_summaries_written_past_the_models_are_found_a_while_later_or_under_new_settings_at_once(
    executive, settings, django_capture_on_commit_callbacks
):
    made = _random_portfolio(11, 4)
    portfolio_summary(user=executive)
    InitiativeMoney.objects.filter(initiative=made[0]).delete()  # past the models
    with django_capture_on_commit_callbacks(execute=True):  # a write: the roll-up is read again
        CostFactory(initiative=made[1], amount=Decimal("5"))

    portfolio_summary(user=executive)
    # Every summary was checked on the first read; the next check is MONEY_SUMMARIES_CHECK_SECONDS on.
    assert not InitiativeMoney.objects.filter(initiative=made[0]).exists()

    cache.clear()  # that long later, the check's answer has expired
    summed = portfolio_summary(user=executive)
    assert InitiativeMoney.objects.filter(initiative=made[0]).exists()
    _close(summed.money, portfolio_summary_live(user=executive).money)

    settings.PDCA_ROI_HORIZON_MONTHS = 6
    summed = portfolio_summary(user=executive)
    assert set(InitiativeMoney.objects.values_list("horizon_months", flat=True)) == {6}
    _close(summed.money, portfolio_summary_live(user=executive).money)


def test_a_readers_missing_summaries_are_filled_in(lead, team):
    for n in range(3):
        CostFactory(initiative=InitiativeFactory(team=team, lead=lead), amount=Decimal(100 + n))
    InitiativeMoney.objects.all().delete()

    assert portfolio_summary(user=lead).money.total_cost == 303
    assert InitiativeMoney.objects.count() == 3


def test_moving_an_initiative_moves_its_money_in_the_roll_up(executive):
    made = _random_portfolio(10, 8)
    other = TeamFactory()
    made[0].team = other
    made[0].save()
    made[1].status = Status.ABANDONED
    made[1].save()
    made[2].archived_at = timezone.now()
    made[2].save(update_fields=["archived_at", "updated_at"])
    made[3].category = Category.OTHER if made[3].category != Category.OTHER else Category.QUALITY_ASSURANCE
    made[3].health = Health.OFF_TRACK
    made[3].save()

    summed, live = portfolio_summary(user=executive), portfolio_summary_live(user=executive)
    assert (summed.initiatives, summed.by_status, summed.by_health) == (
        live.initiatives, live.by_status, live.by_health,
    )  # fmt: skip
    for mine, theirs in zip(
        summed.by_team + summed.by_category, live.by_team + live.by_category, strict=True
    ):
        assert (mine.key, mine.initiatives) == (theirs.key, theirs.initiatives)
        _close(mine.money, theirs.money)


def test_the_benefit_to_date_of_the_roll_up_follows_the_calendar(executive, team):
    initiative = InitiativeFactory(team=team, start_date=dt.date.today() - dt.timedelta(days=1))
    BenefitFactory(initiative=initiative, monthly_amount=Decimal("100"))
    assert portfolio_summary(user=executive).money.benefit_to_date == 0

    later = dt.date.today() + dt.timedelta(days=75)
    summed = portfolio_summary(user=executive, today=later).money
    assert summed.benefit_to_date == portfolio_summary_live(user=executive, today=later).money.benefit_to_date
    assert summed.benefit_to_date in (200, 300)  # two or three whole months, by the day of the month


@pytest.mark.parametrize("reader", ["executive", "lead"])
def test_the_roll_up_runs_the_same_queries_for_3n_initiatives(request, reader, team, lead):
    """The lead reads the initiatives of their team (summaries summed), the executive all (roll-up rows)."""
    user = request.getfixturevalue(reader)

    def more(n: int) -> None:
        _random_portfolio(n, n)
        for _ in range(n):
            CostFactory(initiative=InitiativeFactory(team=team, lead=lead), amount=Decimal("10"))

    more(2)
    portfolio_summary(user=user)  # the day's first read may count the roll-up again
    more(1)  # a write: the executive's cached roll-up answer is dropped
    with CaptureQueriesContext(connection) as few:
        first = portfolio_summary(user=user)
    more(6)
    with CaptureQueriesContext(connection) as many:
        second = portfolio_summary(user=user)
    assert second.initiatives > first.initiatives
    assert len(many.captured_queries) == len(few.captured_queries) <= 5
    # Read again with nothing written: the executive's answer comes from the cache.
    with CaptureQueriesContext(connection) as again:
        assert portfolio_summary(user=user) == second
    assert len(again.captured_queries) == (0 if reader == "executive" else len(many.captured_queries))


def test_an_older_measurement_leaves_the_summary_alone_a_newer_one_moves_it(
    lead, admin, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(lead=lead)
    kpi = KpiFactory(direction="higher")
    targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=kpi, baseline_value=10, target_value=20, unit_value_per_month=5
    )
    today = dt.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        measurement_record(actor=admin, kpi=kpi, period=today - dt.timedelta(days=2), value=14)
    written = InitiativeMoney.objects.get(pk=initiative.pk).computed_at

    with django_capture_on_commit_callbacks(execute=True):
        measurement_record(actor=admin, kpi=kpi, period=today - dt.timedelta(days=30), value=99)
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    assert (stored.derived_monthly_benefit, stored.computed_at) == (20, written)
    _assert_summary_is_live(initiative)

    with django_capture_on_commit_callbacks(execute=True):
        measurement_record(actor=admin, kpi=kpi, period=today - dt.timedelta(days=1), value=16)
    assert InitiativeMoney.objects.get(pk=initiative.pk).derived_monthly_benefit == 30
    _assert_summary_is_live(initiative)


def test_a_batch_of_measurements_moves_the_summaries_after_commit_through_the_outbox(
    lead, admin, django_capture_on_commit_callbacks
):
    """The write answers without the refresh: it records a task in its transaction (so a rollback
    takes both away), and the summaries move once the task has run after commit."""
    initiative = InitiativeFactory(lead=lead)
    kpi = KpiFactory(direction="higher")
    targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=kpi, baseline_value=10, target_value=20, unit_value_per_month=5
    )
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        measurement_record(actor=admin, kpi=kpi, period=yesterday, value=14)
    assert InitiativeMoney.objects.get(pk=initiative.pk).derived_monthly_benefit == 0  # not yet
    task = OutboxMessage.objects.get(task=MONEY_SERIES_TASK)
    assert task.args == [[[kpi.pk, "", yesterday.isoformat()]]]
    for callback in callbacks:
        callback()
    assert InitiativeMoney.objects.get(pk=initiative.pk).derived_monthly_benefit == 20
    _assert_summary_is_live(initiative)

    # Delivered twice (a worker died before acknowledging): the same rows, nothing else moves.
    refresh_money_for_series([[kpi.pk, "", yesterday.isoformat()]])
    assert InitiativeMoney.objects.get(pk=initiative.pk).derived_monthly_benefit == 20


def test_a_cached_roll_up_answer_is_dropped_by_the_next_money_write(
    lead, executive, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(lead=lead)
    before = portfolio_summary(user=executive)
    assert portfolio_summary(user=executive) == before  # served from the cache

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        money.cost_create(
            actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="1200"
        )

    assert callbacks  # the revision is replaced again once the write commits
    after = portfolio_summary(user=executive)
    assert after.money.one_time_cost == before.money.one_time_cost + 1200
    assert after == portfolio_summary_live(user=executive)


def test_with_the_cache_down_the_roll_up_is_computed(lead, executive, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from common import revision_cache

    InitiativeFactory(lead=lead)
    expected = portfolio_summary(user=executive)

    def down(*args, **kwargs):
        raise RedisConnectionError("cache down")

    for name in ("get", "set", "add"):
        monkeypatch.setattr(revision_cache.cache, name, down)
    assert portfolio_summary(user=executive) == expected


def test_the_roll_up_counts_the_initiatives_at_risk_as_their_milestones_move(executive, team):
    """The roll-up's at-risk count (the dashboard's) against the at-risk filter of the list, after
    every kind of milestone write and on a later day."""
    today = timezone.localdate()
    on_track = InitiativeFactory(team=team, status=Status.ACTIVE, health=Health.ON_TRACK)
    InitiativeFactory(team=team, status=Status.ACTIVE, health=Health.OFF_TRACK)
    InitiativeFactory(team=team, status=Status.ON_HOLD, health=Health.OFF_TRACK)  # not active

    def counted(day: dt.date | None = None) -> tuple[int | None, int]:
        live = initiative_portfolio(user=executive).filter(needs_attention(today=day)).count()
        return portfolio_summary(user=executive, today=day).at_risk, live

    assert counted() == (1, 1)
    milestone = MilestoneFactory(initiative=on_track, due_date=today + dt.timedelta(days=3))
    assert counted() == (1, 1)
    assert counted(today + dt.timedelta(days=5)) == (2, 2)  # overdue by the calendar alone
    milestone.due_date = today - dt.timedelta(days=1)
    milestone.save()
    assert counted() == (2, 2)
    milestone.status = MilestoneStatus.DONE
    milestone.save(update_fields=["status", "updated_at"])
    assert counted() == (1, 1)
    milestone.status = MilestoneStatus.BLOCKED
    milestone.save(update_fields=["status", "updated_at"])
    assert counted() == (2, 2)
    milestone.archived_at = timezone.now()
    milestone.save(update_fields=["archived_at", "updated_at"])
    assert counted() == (1, 1)
    MilestoneFactory(initiative=on_track, due_date=today - dt.timedelta(days=2)).delete()
    assert counted() == (1, 1)
    MilestoneFactory(initiative=on_track, due_date=today - dt.timedelta(days=2))
    assert counted() == (2, 2)


def test_roll_up_rows_from_before_the_at_risk_count_are_counted_again(executive, team, client):
    InitiativeFactory(team=team, status=Status.ACTIVE, health=Health.AT_RISK)
    InitiativeFactory(team=TeamFactory(), status=Status.ACTIVE, health=Health.ON_TRACK)
    portfolio_summary(user=executive)
    for row in PortfolioRollup.objects.all():
        row.counts.pop("at_risk")
        row.save()
    cache.clear()

    assert portfolio_summary(user=executive).at_risk == 1
    assert all("at_risk" in row.counts for row in PortfolioRollup.objects.all())
    client.force_login(executive)
    assert client.get("/dashboard/").context["at_risk_total"] == 1


def test_the_roll_up_counts_the_benefits_awaiting_validation_as_they_move(executive, finance, lead, team):
    initiative = InitiativeFactory(team=team, lead=lead)
    other = InitiativeFactory(team=TeamFactory())

    def counted() -> tuple[int | None, int]:
        return (
            portfolio_summary(user=executive).awaiting_validation,
            benefit_list_awaiting_validation(user=executive).count(),
        )

    first = money.benefit_create(
        actor=lead, initiative=initiative, kind="cost_avoidance", description="A", monthly_amount="10"
    )
    BenefitFactory(initiative=other)
    assert counted() == (2, 2)
    money.benefit_validate(actor=finance, benefit=first)
    assert counted() == (1, 1)
    money.benefit_validate(actor=finance, benefit=Benefit.objects.get(pk=first.pk), validated=False)
    assert counted() == (2, 2)
    money.money_line_archive(actor=lead, line=Benefit.objects.get(pk=first.pk))
    assert counted() == (1, 1)
    other.status = Status.ABANDONED
    other.save()
    assert counted() == (0, 0)

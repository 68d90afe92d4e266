"""Target, forecast and actual benefit: the forecast locked when an initiative enters Do, the
target from its valued KPI targets, the actual from the measured KPI change; per initiative, in
the portfolio roll-up (from the summaries) and in the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from improvement.models import Initiative, InitiativeMoney, MoneyForecast, Stage, StageTransition
from improvement.selectors.money import initiative_money, portfolio_summary_live
from improvement.selectors.portfolio_rollup import portfolio_summary
from improvement.services import money
from improvement.services.stages import initiative_transition
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory, MeasurementFactory, TeamFactory

pytestmark = pytest.mark.django_db

HORIZON = 12


def _to_do(initiative: Initiative, actor) -> StageTransition:
    initiative.refresh_from_db()
    return initiative_transition(actor=actor, initiative=initiative, to=Stage.DO, override_reason="Pilot now")


def _valued(initiative, *, baseline=60.0, target=70.0, current=None, unit="100"):
    """A valued target on a higher-is-better KPI; ``current`` measured today when given."""
    kpi = KpiFactory(direction="higher")
    KpiTargetFactory(
        initiative=initiative,
        kpi=kpi,
        baseline_value=baseline,
        target_value=target,
        unit_value_per_month=Decimal(unit),
    )
    if current is not None:
        MeasurementFactory(kpi=kpi, period=timezone.localdate() - dt.timedelta(days=1), value=current)
    return kpi


def test_entering_do_locks_the_forecast_and_later_changes_leave_it(lead, executive):
    initiative = InitiativeFactory(lead=lead)
    money.cost_create(actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="1200")
    money.benefit_create(
        actor=lead, initiative=initiative, kind="cost_saving", description="Hours", monthly_amount="300"
    )
    before = initiative_money(initiative=initiative)

    transition = _to_do(initiative, executive)
    money.benefit_create(
        actor=lead, initiative=initiative, kind="revenue", description="Upsell", monthly_amount="500"
    )

    forecast = MoneyForecast.objects.get(initiative=initiative)
    assert (forecast.cycle, forecast.transition, forecast.locked_by) == (1, transition, executive)
    assert (forecast.total_benefit, forecast.total_cost) == (3600, 1200)
    assert (forecast.payback_months, forecast.npv) == (before.payback_months, before.npv)
    assert forecast.monthly_benefits == [300.0] * HORIZON
    now = initiative_money(initiative=initiative)
    assert now.total_benefit == 9600
    assert now.forecast_benefit == 3600
    assert InitiativeMoney.objects.get(pk=initiative.pk).forecast_benefit == 3600


def test_stepping_back_and_entering_do_again_keeps_the_first_forecast_a_new_cycle_adds_one(lead, executive):
    initiative = InitiativeFactory(lead=lead)
    money.benefit_create(
        actor=lead, initiative=initiative, kind="cost_saving", description="Hours", monthly_amount="100"
    )
    _to_do(initiative, executive)
    money.benefit_create(
        actor=lead, initiative=initiative, kind="cost_saving", description="More", monthly_amount="50"
    )
    initiative.refresh_from_db()
    initiative_transition(actor=lead, initiative=initiative, to=Stage.PLAN, reason="Redo the plan")
    _to_do(initiative, executive)
    assert list(MoneyForecast.objects.values_list("cycle", "total_benefit")) == [(1, 1200)]

    Initiative.objects.filter(pk=initiative.pk).update(cycle=2, stage=Stage.PLAN)
    _to_do(initiative, executive)

    assert list(MoneyForecast.objects.order_by("cycle").values_list("cycle", "total_benefit")) == [
        (1, 1200),
        (2, 1800),
    ]
    assert initiative_money(initiative=initiative).forecast_benefit == 1800


def test_a_failed_lock_leaves_the_initiative_in_plan(lead, executive, monkeypatch):
    initiative = InitiativeFactory(lead=lead)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(MoneyForecast.objects, "create", broken)
    with pytest.raises(RuntimeError):
        _to_do(initiative, executive)

    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert not StageTransition.objects.exists() and not MoneyForecast.objects.exists()


def test_target_and_actual_come_from_the_valued_kpi_targets(lead):
    initiative = InitiativeFactory(lead=lead)
    _valued(initiative, baseline=60, target=70, current=64, unit="100")  # target 10 units, measured 4
    _valued(initiative, baseline=5, target=8, unit="20")  # target 3 units, not measured yet

    m = initiative_money(initiative=initiative)

    assert m.target_benefit == (10 * 100 + 3 * 20) * HORIZON
    assert m.actual_benefit == pytest.approx(4 * 100 * HORIZON)
    assert m.forecast_benefit == 0
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    assert stored.target_monthly_benefit == 1060


def test_portfolio_target_forecast_and_actual_equal_the_sum_of_each_initiative(executive):
    teams = [TeamFactory(), TeamFactory()]
    made = []
    for n in range(6):
        category = "other" if n % 3 else "self_service"
        initiative = InitiativeFactory(team=teams[n % 2], category=category)
        _valued(initiative, baseline=10 + n, target=20 + 2 * n, current=12 + n, unit=str(50 + n))
        money.benefit_create(
            actor=initiative.lead,
            initiative=initiative,
            kind="cost_saving",
            description="Hours",
            monthly_amount=Decimal(100 * n),
        )
        if n % 2:
            _to_do(initiative, executive)
        made.append(initiative)

    each = [initiative_money(initiative=i) for i in made]
    rolled = portfolio_summary(user=executive).money
    live = portfolio_summary_live(user=executive).money

    for figure in ("target_benefit", "forecast_benefit", "actual_benefit"):
        direct = sum(getattr(m, figure) for m in each)
        assert direct > 0
        assert getattr(rolled, figure) == pytest.approx(direct, rel=1e-9), figure
        assert getattr(live, figure) == pytest.approx(direct, rel=1e-9), figure


def test_the_api_and_the_pages_show_target_forecast_and_actual_in_the_currency(lead, executive, team):
    initiative = InitiativeFactory(lead=lead, team=team)
    _valued(initiative, baseline=60, target=70, current=64, unit="100")
    _to_do(initiative, executive)
    client = APIClient()
    client.force_login(executive)

    progress = client.get(f"/api/v1/initiatives/{initiative.pk}/progress/").json()["money"]
    portfolio = client.get("/api/v1/portfolio/summary/").json()["money"]
    page = client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    dashboard = client.get(reverse("improvement:dashboard")).content.decode()

    expected = (12000.0, pytest.approx(4800.0), pytest.approx(4800.0), "EUR")
    for payload in (progress, portfolio):
        assert (
            payload["benefit_target"],
            payload["benefit_forecast"],
            payload["benefit_actual"],
            payload["currency"],
        ) == expected
    assert "Forecasts locked on entering Do" in page
    for html in (page, dashboard):
        table = html[html.index('class="small stack benefit-tfa"') :]
        table = table[: table.index("</table>")]
        assert "€12,000" in table and table.count("€4,800") == 2

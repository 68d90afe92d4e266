"""Every list answers in the same number of queries for 5 rows as for 50."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.services import token_create
from improvement.models import StageTransition
from improvement.services.ideas import idea_create, idea_decline
from kpis.models import KpiAlert
from tests.api.conftest import queries_for
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    StatusUpdateFactory,
    TeamFactory,
    UserFactory,
)

FEW, MANY = 5, 50


def _initiatives(n, *, team, lead):
    for _ in range(n):
        initiative = InitiativeFactory(team=team, lead=lead)
        member = UserFactory()
        initiative.members.add(member)
        MilestoneFactory(initiative=initiative)


def _milestones(n, *, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    previous = None
    for _ in range(n):
        milestone = MilestoneFactory(initiative=initiative)
        if previous is not None:
            milestone.dependencies.add(previous)
        previous = milestone


def _per_initiative(factory):
    def make(n, *, team, lead):
        initiative = InitiativeFactory(team=team, lead=lead)
        for _ in range(n):
            factory(initiative=initiative)

    return make


def _targets(n, *, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    for _ in range(n):
        kpi = KpiFactory()
        KpiTargetFactory(initiative=initiative, kpi=kpi)
        MeasurementFactory(kpi=kpi, period=timezone.localdate())


def _transitions(n, *, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    for _ in range(n):
        StageTransition.objects.create(
            initiative=initiative, cycle=1, from_stage="plan", to_stage="do", actor=lead
        )


def _measurements(n, **_):
    kpi = KpiFactory()
    for _ in range(n):
        MeasurementFactory(kpi=kpi)


def _kpis(n, **_):
    for _ in range(n):
        KpiFactory()


def _teams(n, *, lead, **_):
    for _ in range(n):
        TeamFactory().memberships.create(user=lead)


def _tokens(n, *, lead, **_):
    for _ in range(n):
        token_create(actor=lead, name="t", scopes=["progress:read"])


def _ideas(n, *, team, lead):
    for i in range(n):
        idea = idea_create(actor=UserFactory(), title=f"Idea {i}", team=team, kpi=KpiFactory())
        idea_decline(actor=lead, idea=idea, reason="Not now.")


def _kpi_alerts(n, **_):
    kpi = KpiFactory()
    for i in range(n):
        KpiAlert.objects.create(
            kpi=kpi, period=dt.date(2026, 1, 1) + dt.timedelta(days=i), level="warning", value=1, threshold=2
        )


LISTS = {
    "/api/v1/initiatives/": _initiatives,
    "/api/v1/milestones/": _milestones,
    "/api/v1/targets/": _targets,
    "/api/v1/status-updates/": _per_initiative(StatusUpdateFactory),
    "/api/v1/costs/": _per_initiative(CostFactory),
    "/api/v1/benefits/": _per_initiative(BenefitFactory),
    "/api/v1/transitions/": _transitions,
    "/api/v1/measurements/": _measurements,
    "/api/v1/kpis/": _kpis,
    "/api/v1/teams/": _teams,
    "/api/v1/tokens/": _tokens,
    "/api/v1/ideas/": _ideas,
    "/api/v1/kpi-alerts/": _kpi_alerts,
}


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_queries_for_5_and_50_rows(api, lead, team, url):
    """As a lead, so the team-visibility filter is part of the measured queries."""
    client = api(lead)
    page = f"{url}?page_size={MANY + 10}"
    LISTS[url](FEW, team=team, lead=lead)
    few = queries_for(client, page)

    LISTS[url](MANY - FEW, team=team, lead=lead)
    many = queries_for(client, page)

    assert few == many, url


def test_the_portfolio_summary_costs_the_same_for_more_teams(api, executive, lead, summaries_checked):
    client = api(executive)
    for _ in range(2):
        InitiativeFactory(team=TeamFactory(), lead=lead)
    few = queries_for(client, "/api/v1/portfolio/summary/")

    for _ in range(10):
        CostFactory(initiative=InitiativeFactory(team=TeamFactory(), lead=lead))
    assert queries_for(client, "/api/v1/portfolio/summary/") == few

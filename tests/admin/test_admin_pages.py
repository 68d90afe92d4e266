"""The Django admin: every model of the domain apps is registered and its pages open, and a list costs
the same queries for 3N rows as for N.
"""

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.db.models import Model

from accounts.models import Team
from improvement.models import Initiative, KpiTarget, Milestone, StageTransition
from kpis.models import Measurement
from tests.admin.conftest import admin_url
from tests.factories import (
    ApiTokenFactory,
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MembershipFactory,
    MilestoneFactory,
    StageTransitionFactory,
    StatusUpdateFactory,
    UserFactory,
)
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db


DOMAIN_APPS = ("accounts", "kpis", "improvement")


def domain_models() -> list[type[Model]]:
    """Concrete models of our apps; django-simple-history's Historical* shadows are not admin pages."""
    return [
        model
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]


MODEL_LABELS = [model._meta.label for model in domain_models()]


# Registration and pages -------------------------------------------------------------------------


def test_every_model_of_the_domain_apps_is_registered():
    missing = [model._meta.label for model in domain_models() if not django_admin.site.is_registered(model)]

    assert missing == []


@pytest.mark.parametrize("label", MODEL_LABELS)
def test_the_changelist_and_add_page_of_every_model_open(admin_client, admin, records, rf, label):
    model = apps.get_model(label)

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    request = rf.get("/")
    request.user = admin
    if django_admin.site.get_model_admin(model).has_add_permission(request):
        assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize(
    "factory",
    [
        InitiativeFactory,
        KpiFactory,
        MeasurementFactory,
        MilestoneFactory,
        KpiTargetFactory,
        CostFactory,
        BenefitFactory,
        StatusUpdateFactory,
        StageTransitionFactory,
        MembershipFactory,
        ApiTokenFactory,
        UserFactory,
    ],
    ids=lambda factory: factory._meta.model.__name__,
)
def test_the_change_page_of_a_record_opens(admin_client, factory):
    obj = factory()

    assert admin_client.get(admin_url(type(obj), "change", obj.pk)).status_code == 200


def test_the_change_page_of_a_team_with_members_opens(admin_client, team, lead, contributor):
    response = admin_client.get(admin_url(Team, "change", team.pk))

    assert response.status_code == 200
    (memberships,) = response.context["inline_admin_formsets"]
    assert {form.instance.user for form in memberships.formset.forms} == {lead, contributor}


def test_the_history_of_an_initiative_opens(admin_client, records):
    assert admin_client.get(admin_url(Initiative, "history", records.pk)).status_code == 200


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Initiative, lambda team: InitiativeFactory(team=team)),
        (Milestone, lambda team: MilestoneFactory(initiative__team=team)),
        (KpiTarget, lambda team: KpiTargetFactory(initiative__team=team)),
        (Measurement, lambda team: MeasurementFactory()),
        (StageTransition, lambda team: StageTransitionFactory(initiative__team=team)),
        (Team, lambda team: MembershipFactory(team=team)),
    ],
    ids=["initiative", "milestone", "kpi-target", "measurement", "stage-transition", "team"],
)
def test_a_changelist_costs_the_same_queries_for_3n_rows_as_for_n(admin_client, team, model, make):
    url = admin_url(model, "changelist")
    for _ in range(2):
        make(team)
    few = queries_for(admin_client, url)
    for _ in range(4):
        make(team)

    assert queries_for(admin_client, url) == few


def test_the_initiative_page_costs_the_same_queries_for_3n_inline_rows_as_for_n(admin_client, records, lead):
    url = admin_url(Initiative, "change", records.pk)

    def add_rows():
        KpiTargetFactory(initiative=records)
        MilestoneFactory(initiative=records)
        CostFactory(initiative=records)
        BenefitFactory(initiative=records, validated_by=lead)
        StageTransitionFactory(initiative=records, actor=lead)

    add_rows()
    few = queries_for(admin_client, url)
    add_rows()
    add_rows()

    assert queries_for(admin_client, url) == few


def test_the_team_page_costs_the_same_queries_for_3n_members_as_for_n(admin_client, team):
    url = admin_url(Team, "change", team.pk)
    for _ in range(2):
        MembershipFactory(team=team)
    few = queries_for(admin_client, url)
    for _ in range(4):
        MembershipFactory(team=team)

    assert queries_for(admin_client, url) == few

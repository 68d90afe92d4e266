from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, Team, User
from improvement.management.commands.load_demo import MSG_ALREADY_LOADED
from improvement.management.demo_people import DEMO_PASSWORD, DEMO_USERS
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Benefit,
    Comment,
    Cost,
    Experiment,
    ExperimentStatus,
    Idea,
    IdeaStatus,
    Initiative,
    KpiTarget,
    Milestone,
    MilestoneStatus,
    MoneyForecast,
    Stage,
    StageTransition,
    Status,
    StatusUpdate,
    Variant,
    VariantData,
)
from improvement.selectors import experiment_results, initiative_money
from kpis.models import Measurement

pytestmark = pytest.mark.django_db

COUNTED_MODELS = (
    User,
    Team,
    Membership,
    Initiative,
    KpiTarget,
    Milestone,
    StageTransition,
    StatusUpdate,
    Cost,
    Benefit,
    Measurement,
    Experiment,
    Variant,
    VariantData,
)


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def test_demo_walks_initiatives_through_every_pdca_stage_by_passing_the_gates():
    load_demo()

    active = Initiative.objects.filter(status=Status.ACTIVE)
    assert set(active.values_list("stage", flat=True)) == set(Stage.values)
    assert Initiative.objects.filter(status=Status.STANDARDISED).exists()
    assert Initiative.objects.filter(cycle__gte=2, stage=Stage.PLAN).exists()
    assert Initiative.objects.values("team").distinct().count() >= 4
    # Later stages are reached through the gates, never around them.
    assert StageTransition.objects.exists()
    assert not StageTransition.objects.filter(gate_passed=False).exists()
    assert not StageTransition.objects.exclude(override_reason="").exists()
    for initiative in Initiative.objects.exclude(stage=Stage.PLAN, cycle=1):
        assert any(
            Measurement.objects.filter(
                kpi=target.kpi_id, segment=target.segment, period__gt=initiative.start_date
            ).exists()
            for target in initiative.targets.all()
        ), initiative


def test_demo_has_measurements_milestones_money_and_validated_benefits():
    load_demo()

    assert Measurement.objects.count() > 100
    assert KpiTarget.objects.exclude(unit_value_per_month=None).exists()
    assert Milestone.objects.filter(status=MilestoneStatus.DONE).exists()
    assert Milestone.objects.filter(owner__role=Role.CONTRIBUTOR).exists()
    assert Cost.objects.exists()
    assert Benefit.objects.filter(validated=True, validated_by__role=Role.FINANCE).exists()
    assert Milestone.objects.filter(
        status__in=OPEN_MILESTONE_STATUSES, due_date__lt=timezone.localdate()
    ).exists(), "some milestones are overdue"
    assert KpiTarget.objects.exclude(evaluation="").exists()
    assert StatusUpdate.objects.values("health").distinct().count() == 3


def test_the_consumer_brand_case_pays_back_in_about_four_months():
    load_demo()

    brand = Initiative.objects.get(title="Answer email and social within two hours")
    assert initiative_money(initiative=brand).payback_months == pytest.approx(4, abs=0.5)


def test_the_demo_has_a_concluded_proportion_experiment_and_a_running_mean_experiment_with_results():
    load_demo()

    shipped = Experiment.objects.get(status=ExperimentStatus.CONCLUDED)
    assert (shipped.metric_type, shipped.decision) == ("proportion", "ship")
    assert shipped.initiative.title == "Chat first response under 30 seconds"
    (comparison,) = experiment_results(experiment=shipped)["comparisons"]
    assert comparison["significant"] and comparison["relative_effect"] > 0
    assert all(
        7500 <= summary["users"] <= 8500 for summary in experiment_results(experiment=shipped)["variants"]
    )

    running = Experiment.objects.get(status=ExperimentStatus.RUNNING)
    results = experiment_results(experiment=running)
    assert running.metric_type == "mean"
    assert sorted(running.variants.values_list("weight", flat=True)) == [1, 1, 2]
    assert not results["srm"]["detected"]
    assert [c["significant"] for c in results["comparisons"]] == [True, False]


def test_every_role_has_a_demo_user_who_logs_in_with_the_printed_password(client):
    output = load_demo()

    assert DEMO_PASSWORD in output
    assert {person.role for person in DEMO_USERS} == set(Role.values)
    assert User.objects.filter(role=Role.LEAD).values("memberships__team").distinct().count() >= 2
    for person in DEMO_USERS:
        assert person.email in output
        response = client.post(reverse("login"), {"username": person.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, person.email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=person.email).pk)
        client.logout()


def test_running_the_demo_twice_creates_nothing_new_and_prints_the_logins_again():
    load_demo()
    before = row_counts()

    output = load_demo()

    assert row_counts() == before
    assert MSG_ALREADY_LOADED in output
    assert all(person.email in output for person in DEMO_USERS)


def test_demo_initiatives_past_plan_with_benefits_have_a_non_zero_money_forecast():
    load_demo()

    past_plan = Initiative.objects.exclude(stage=Stage.PLAN, cycle=1).filter(benefits__isnull=False)
    assert past_plan.exists()
    for initiative in past_plan.distinct():
        forecast = MoneyForecast.objects.get(initiative=initiative, cycle=1)
        assert forecast.total_benefit > 0, initiative
        assert forecast.benefit_hard + forecast.benefit_soft > 0, initiative


def test_the_demo_has_ideas_waiting_accepted_declined_and_merged():
    load_demo()

    statuses = set(Idea.objects.values_list("status", flat=True))
    assert {IdeaStatus.SUBMITTED, IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.MERGED} <= statuses
    accepted = Idea.objects.get(status=IdeaStatus.ACCEPTED)
    assert (
        accepted.initiative.stage == Stage.PLAN
        and accepted.initiative.targets.filter(is_primary=True).exists()
    )
    assert Idea.objects.exclude(decision_reason="").filter(status=IdeaStatus.DECLINED).exists()


def test_the_demo_has_a_conversation_with_a_mention_the_contributor_was_told_of(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()

    mention = Comment.objects.filter(mentions__email="contributor@demo.pdca").first()
    contributor = User.objects.get(email="contributor@demo.pdca")
    assert mention is not None and mention.initiative_id is not None
    assert contributor.notifications.filter(kind="mention").exists()
    assert Comment.objects.filter(idea__isnull=False).exists()

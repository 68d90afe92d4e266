import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import ApiToken, Membership, Role, Team, User
from improvement.models import (
    Benefit,
    BenefitKind,
    Cost,
    CostKind,
    Initiative,
    KpiTarget,
    Milestone,
    StageTransition,
    StatusUpdate,
)
from kpis.models import Kpi, Measurement

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    role = Role.CONTRIBUTOR
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            for team in extracted:
                Membership.objects.create(user=self, team=team)
        if create:
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "integration"
    prefix = factory.Sequence(lambda n: f"p{n:07d}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["progress:read"])


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    code = factory.Sequence(lambda n: f"kpi_{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    unit = "percent"
    direction = "higher"
    kind = "key"
    min_value = 0
    max_value = 100


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KpiFactory)
    period = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    value = 50.0
    source = "manual"


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    code = factory.Sequence(lambda n: f"IMP-{n + 500:03d}")
    title = factory.Sequence(lambda n: f"Initiative {n}")
    team = factory.SubFactory(TeamFactory)
    lead = factory.SubFactory(UserFactory, role=Role.LEAD)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    cycle_started_on = factory.SelfAttribute("start_date")
    smart_goal = "Cut first response time from 90 s to 30 s by the end of the quarter."


class KpiTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiTarget

    initiative = factory.SubFactory(InitiativeFactory)
    kpi = factory.SubFactory(KpiFactory)
    baseline_value = 70.0
    target_value = 85.0


class StatusUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusUpdate

    initiative = factory.SubFactory(InitiativeFactory)
    author = factory.SelfAttribute("initiative.lead")
    date = factory.LazyFunction(timezone.localdate)
    health = "on_track"
    narrative = "Pilot running in two queues."


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    owner = factory.SelfAttribute("initiative.lead")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))


class StageTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageTransition

    initiative = factory.SubFactory(InitiativeFactory)
    cycle = 1
    from_stage = "plan"
    to_stage = "do"


class CostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cost

    initiative = factory.SubFactory(InitiativeFactory)
    kind = CostKind.ONE_TIME
    description = "Chatbot licence"
    amount = Decimal("10000.00")


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benefit

    initiative = factory.SubFactory(InitiativeFactory)
    kind = BenefitKind.COST_SAVING
    description = "Fewer agent hours"
    monthly_amount = Decimal("2500.00")

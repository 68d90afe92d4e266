"""The Django admin tests: a client signed in as our admin, one row of every model, page URLs."""

import pytest
from django.db.models import Model
from django.urls import reverse

from accounts.models import Notification, NotificationMute
from improvement.models import (
    ChatDestination,
    PortfolioPack,
    SentReminder,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from kpis.models import KpiAlert
from tests.factories import (
    ApiTokenFactory,
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    StageTransitionFactory,
    StatusUpdateFactory,
)


def admin_url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, admin):
    """Replaces pytest-django's fixture of the same name: signed in as our ``admin`` (admin role)."""
    client.force_login(admin)
    return client


@pytest.fixture
def records(team, lead):
    """One row of every model, so changelists render real rows and columns."""
    initiative = InitiativeFactory(team=team, lead=lead)
    KpiTargetFactory(initiative=initiative)
    milestone = MilestoneFactory(initiative=initiative)
    CostFactory(initiative=initiative)
    BenefitFactory(initiative=initiative)
    StatusUpdateFactory(initiative=initiative)
    StageTransitionFactory(initiative=initiative, actor=lead)
    measurement = MeasurementFactory(recorded_by=lead)
    ApiTokenFactory(user=lead)
    # No factories for these yet; their rows are plain records of what the jobs did.
    KpiAlert.objects.create(
        kpi=measurement.kpi, period=measurement.period, level="warning", value=40.0, threshold=45.0
    )
    Notification.objects.create(
        recipient=lead, kind="stage_changed", title="IMP-500 moved to Do", dedupe_key="stage_changed:1"
    )
    NotificationMute.objects.create(user=lead, kind="digest")
    SentReminder.objects.create(
        milestone=milestone, recipient=lead, reason="owner_overdue", overdue_since=milestone.due_date
    )
    PortfolioPack.objects.create(requested_by=lead, as_of=milestone.due_date)
    subscription = WebhookSubscription.objects.create(
        owner=lead, url="https://hooks.example.com/pdca", events=["stage.changed"]
    )
    event = WebhookEvent.objects.create(type="stage.changed", dedupe_key="transition:1")
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event)
    WebhookAttempt.objects.create(delivery=delivery, number=1, status_code=500, error="Server error")
    chat = ChatDestination.objects.create(
        team=team,
        kind="slack",
        name="#care",
        url="https://hooks.slack.com/services/T/B/secret",
        events=["kpi.alert"],
    )
    WebhookDelivery.objects.create(destination=chat, event=event)
    return initiative

"""Experiment service tests: an initiative with a target and a milestone, and a running A/B test.

A test module with its own ``initiative`` or ``fcr`` fixture (test_stages, test_targets…) uses
its own; these serve the ``test_experiments_*`` modules.
"""

import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import VariantData
from improvement.services import experiments as ex
from improvement.services.initiatives import initiative_create
from improvement.services.roadmap import milestone_create
from improvement.services.targets import kpi_target_create
from kpis.models import Kpi
from tests.improvement.chat_receiver import SITE, Receiver

AB = [{"key": "control", "is_control": True}, {"key": "callback", "name": "Offer a callback"}]


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


@pytest.fixture
def aht():
    return Kpi.objects.get(code="average_handle_time")


@pytest.fixture
def initiative(lead, team, fcr):
    initiative = initiative_create(
        actor=lead,
        title="Callbacks instead of queueing",
        team=team,
        start_date=timezone.localdate() - dt.timedelta(days=40),
        smart_goal="Raise FCR from 70% to 85% in chat by end of Q2.",
    )
    kpi_target_create(actor=lead, initiative=initiative, kpi=fcr, baseline_value=70, target_value=85)
    milestone_create(actor=lead, initiative=initiative, title="Pilot", due_date=timezone.localdate())
    return initiative


def make(initiative, actor, kpi, **fields):
    return ex.experiment_create(
        actor=actor,
        initiative=initiative,
        name=fields.pop("name", "Callback offer"),
        primary_kpi=kpi,
        variants=fields.pop("variants", AB),
        **fields,
    )


@pytest.fixture
def running(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr, mde=0.1)
    return ex.experiment_start(actor=lead, experiment=experiment)


def stored(experiment):
    return sorted(
        VariantData.objects.filter(variant__experiment=experiment).values_list(
            "variant__key", "day", "users", "conversions", "sum", "sum_squares"
        )
    )


# --- chat receivers (tests/improvement/chat_receiver.py) ----------------------------------------


@pytest.fixture
def local_chat_receivers(settings):
    """Destinations on loopback, under any host, linking back to ``SITE``."""
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    settings.PDCA_CHAT_ANY_HOST = True
    settings.PDCA_SITE_URL = SITE


@pytest.fixture
def slack(httpserver):
    return Receiver(httpserver, "slack")


@pytest.fixture
def teams(httpserver):
    return Receiver(httpserver, "teams")

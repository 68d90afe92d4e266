"""The whole board of a reader of everything: its column counts and its lead choices are kept between
the writes that move them, and always agree with the initiatives."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement.models import Initiative, Stage, Status
from improvement.services.initiatives import initiative_archive
from tests.factories import InitiativeFactory, UserFactory

BOARD = reverse("improvement:board")

pytestmark = pytest.mark.django_db


def _totals(response) -> dict[str, int]:
    assert response.status_code == 200
    return {column.stage.value: column.total for column in response.context["columns"]}


def _expected() -> dict[str, int]:
    shown = Initiative.objects.active().filter(status__in=(Status.ACTIVE, Status.ON_HOLD))
    return {stage.value: shown.filter(stage=stage).count() for stage in Stage}


def _lead_options(response) -> list[tuple[str, str]]:
    select = re.search(r'<select name="lead"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


@pytest.fixture
def portfolio(team, lead):
    stages = (Stage.PLAN, Stage.DO, Stage.DO)
    return [InitiativeFactory(team=team, lead=lead, stage=stage) for stage in stages]


def test_the_kept_counts_follow_every_write_that_moves_them(
    login, executive, admin, team, lead, portfolio, django_capture_on_commit_callbacks
):
    client = login(executive)
    assert _totals(client.get(BOARD)) == _expected() == {"plan": 1, "do": 2, "check": 0, "act": 0}

    def written(change) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert _totals(client.get(BOARD)) == _expected()

    written(lambda: InitiativeFactory(team=team, lead=lead, stage=Stage.CHECK))
    planned = portfolio[0]

    def moved() -> None:
        planned.stage = Stage.ACT
        planned.save(update_fields=["stage"])

    written(moved)

    def on_hold() -> None:
        portfolio[1].status = Status.ON_HOLD  # still on the board
        portfolio[1].save(update_fields=["status"])

    written(on_hold)

    def finished() -> None:
        portfolio[2].status = Status.STANDARDISED  # off the board
        portfolio[2].save(update_fields=["status"])

    written(finished)
    written(lambda: initiative_archive(actor=admin, initiative=planned))

    def restored() -> None:
        planned.archived_at = None
        planned.save(update_fields=["archived_at"])

    written(restored)
    written(lambda: Initiative.objects.get(pk=planned.pk).delete())
    assert _totals(client.get(BOARD)) == {"plan": 0, "do": 1, "check": 1, "act": 0}


def _stage_counts(client, params=None) -> int:
    """The queries that count the board's columns (by stage) in one page."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BOARD, params or {}).status_code == 200
    counting = 'SELECT "improvement_initiative"."stage" AS "stage", COUNT('
    return sum(q["sql"].startswith(counting) for q in queries)


def test_the_whole_board_is_counted_once_and_a_narrowed_one_at_each_read(
    login, executive, lead, team, portfolio
):
    everything, narrowed = login(executive), login(lead)

    assert [_stage_counts(everything) for _ in range(3)] == [1, 0, 0]
    # Another team or lead, the reader's teams, or a reader of some initiatives: counted live.
    assert [_stage_counts(everything, {"team": team.pk}) for _ in range(2)] == [1, 1]
    assert [_stage_counts(everything, {"lead": lead.pk}) for _ in range(2)] == [1, 1]
    assert [_stage_counts(narrowed) for _ in range(2)] == [1, 1]


def test_a_write_no_count_reads_keeps_them(login, executive, portfolio):
    client = login(executive)
    _stage_counts(client)

    portfolio[0].title = "Renamed"
    portfolio[0].save(update_fields=["title"])

    assert _stage_counts(client) == 0


def test_the_kept_lead_choices_follow_every_write_they_read(
    login, executive, team, portfolio, django_capture_on_commit_callbacks
):
    client = login(executive)
    first = portfolio[0]
    assert _lead_options(client.get(BOARD)) == [("", "Any lead"), (str(first.lead_id), first.lead.full_name)]

    other = UserFactory(full_name="Zed Other")
    with django_capture_on_commit_callbacks(execute=True):
        first.lead = other
        first.save(update_fields=["lead"])
    assert (str(other.pk), "Zed Other") in _lead_options(client.get(BOARD))

    with django_capture_on_commit_callbacks(execute=True):
        other.full_name = ""
        other.save(update_fields=["full_name"])
    assert (str(other.pk), other.email) in _lead_options(client.get(BOARD))

    with django_capture_on_commit_callbacks(execute=True):
        first.status = Status.STANDARDISED
        first.save(update_fields=["status"])
    assert str(other.pk) not in dict(_lead_options(client.get(BOARD)))

    # The choices listed are those the filter accepts.
    kept = portfolio[1].lead
    chosen = client.get(BOARD, {"lead": kept.pk})
    assert chosen.context["form"].is_valid()
    assert "selected" in re.search(rf'<option value="{kept.pk}"[^>]*>', chosen.content.decode()).group(0)

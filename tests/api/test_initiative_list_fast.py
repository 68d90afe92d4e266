"""The initiatives list's lean read path answers exactly what ``InitiativeSerializer`` would."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from common.api.renderers import render_json
from improvement import selectors
from improvement.api import InitiativeSerializer
from improvement.models import Initiative, MilestoneStatus
from tests.factories import InitiativeFactory, MilestoneFactory, UserFactory


def _generic(user, *, ordering=("code",), **filters) -> bytes:
    """The list as the generic ``ModelSerializer`` path writes it."""
    qs = (
        selectors.initiative_list(user=user, include_archived=True)
        .prefetch_related(Prefetch("members", queryset=User.objects.only("pk")))
        .filter(**filters)
        .order_by(*ordering)
    )
    return render_json(InitiativeSerializer(qs, many=True).data)


@pytest.fixture
def portfolio(team, other_team, lead, admin):
    today = timezone.localdate()
    # Members whose ids and emails sort differently: the list keeps the relation's order (by email).
    zed = UserFactory(email="zed@example.com")
    amy = UserFactory(email="amy@example.com")
    sponsor = UserFactory(email="sponsor@example.com", full_name="Åsa Ørsted \u2028 «quoted»")
    first = InitiativeFactory(
        team=team,
        lead=lead,
        sponsor=sponsor,
        impact=5,
        effort=1,
        title='Emoji 🚀 and "quotes" \\ \u2029',
        target_end_date=today + dt.timedelta(days=90),
    )
    first.members.set([zed, amy, lead])
    MilestoneFactory(initiative=first, status=MilestoneStatus.DONE)
    MilestoneFactory(initiative=first, due_date=today - dt.timedelta(days=3))
    MilestoneFactory(initiative=first, due_date=today - dt.timedelta(days=3), archived_at=timezone.now())
    second = InitiativeFactory(team=other_team, impact=1, effort=5, status="on_hold", stage="do")
    archived = InitiativeFactory(team=team, lead=lead, impact=4, effort=4)
    Initiative.objects.filter(pk=archived.pk).update(archived_at=timezone.now() - dt.timedelta(hours=5))
    # Whole seconds (no microseconds) are written differently by isoformat: keep one.
    Initiative.objects.filter(pk=second.pk).update(updated_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC))
    return first, second, archived


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_the_list_writes_what_the_serializer_writes(token_api, admin, portfolio, settings, zone):
    settings.TIME_ZONE = zone
    client = token_api(admin)

    response = client.get("/api/v1/initiatives/?include_archived=true&page_size=50")

    assert response.status_code == 200
    assert response.data["count"] == 3
    assert render_json(response.data["results"]) == _generic(admin)
    assert response.data["results"][0]["members"] == [
        u.pk for u in User.objects.filter(initiatives=portfolio[0]).order_by("email")
    ]


def test_filtered_ordered_and_paged_lists_match_the_serializer(token_api, admin, lead, portfolio):
    client = token_api(admin)
    body = client.get("/api/v1/initiatives/?ordering=-start_date,-id&page_size=1&page=2").data
    assert body["count"] == 2  # the archived one is left out
    assert body["next"] is None and body["previous"] is not None
    assert render_json(body["results"]) == render_json(
        InitiativeSerializer(
            selectors.initiative_list(user=admin).order_by("-start_date", "-id")[1:2], many=True
        ).data
    )

    scoped = token_api(lead).get("/api/v1/initiatives/?include_archived=1&ordering=-id").data
    assert [row["id"] for row in scoped["results"]] == [portfolio[2].pk, portfolio[0].pk]
    assert render_json(scoped["results"]) == _generic(lead, ordering=("-id",))


def test_the_rows_by_id_are_the_orms_values_in_the_ids_order(admin, portfolio):
    from improvement.api.initiatives.columns import INITIATIVE_VALUES
    from improvement.selectors.initiative_rows import initiative_rows, members_inline

    first, second, archived = portfolio
    today = timezone.localdate()
    ids = [archived.pk, first.pk, 10**9, second.pk]
    orm = {
        row[0]: row
        for row in selectors.initiative_list(user=admin, include_archived=True).values_list(
            *INITIATIVE_VALUES
        )
    }
    members = selectors.initiative_member_ids(initiative_ids=ids)

    rows = initiative_rows(ids, columns=INITIATIVE_VALUES, today=today)

    assert [row[0] for row in rows] == [archived.pk, first.pk, second.pk]
    width = len(INITIATIVE_VALUES)
    assert [tuple(row[:width]) for row in rows] == [orm[pk] for pk in (archived.pk, first.pk, second.pk)]
    if members_inline():
        assert [list(row[width]) for row in rows] == [
            members.get(pk, []) for pk in (archived.pk, first.pk, second.pk)
        ]
    assert initiative_rows([], columns=INITIATIVE_VALUES, today=today) == []


def _write_between_the_two_reads(monkeypatch, write):
    """Runs ``write`` after the list has picked its ids and before it reads their rows; where the
    page is one statement (``initiative_rows_of_page``, PostgreSQL), just before it."""
    for name in ("initiative_rows", "initiative_rows_of_page"):
        read_rows = getattr(selectors, name)

        def rows_after_a_write(*args, read_rows=read_rows, **kwargs):
            write()
            return read_rows(*args, **kwargs)

        monkeypatch.setattr(selectors, name, rows_after_a_write)


# Committed writes (PostgreSQL's change marker is the writing transaction's id: inside one test
# transaction every write would carry the same one).
@pytest.mark.django_db(transaction=True)
def test_a_row_moved_out_of_the_callers_sight_meanwhile_is_not_answered(
    token_api, viewer, team, other_team, monkeypatch
):
    staying = InitiativeFactory(team=team, title="Stays in sight")
    leaving = InitiativeFactory(team=team, title="Before the move")

    def move():
        Initiative.objects.filter(pk=leaving.pk).update(team=other_team, title="Secret new name")
        Initiative.objects.filter(pk=staying.pk).update(title="Renamed, still in sight")

    _write_between_the_two_reads(monkeypatch, move)
    body = token_api(viewer).get("/api/v1/initiatives/").json()

    assert [row["title"] for row in body["results"]] == ["Renamed, still in sight"]
    assert b"Secret new name" not in token_api(viewer).get(f"/api/v1/initiatives/{leaving.pk}/").content


@pytest.mark.django_db(transaction=True)
def test_a_row_archived_meanwhile_leaves_the_working_list(token_api, admin, team, monkeypatch):
    kept, archived = InitiativeFactory(team=team), InitiativeFactory(team=team)

    _write_between_the_two_reads(
        monkeypatch, lambda: Initiative.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    )
    body = token_api(admin).get("/api/v1/initiatives/").json()

    assert [row["id"] for row in body["results"]] == [kept.pk]


@pytest.mark.postgres
def test_a_page_of_a_reader_of_everything_asks_the_database_once(token_api, admin, portfolio):
    client = token_api(admin)
    client.get("/api/v1/initiatives/")  # the token's last use is written once, on the first call

    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/initiatives/?ordering=-id&page_size=2").json()

    initiatives = [q["sql"] for q in queries.captured_queries if '"improvement_initiative"' in q["sql"]]
    # The count is kept between writes; the page's ids and rows are one statement.
    assert len(initiatives) <= 2
    assert sum("WITH ORDINALITY" in sql for sql in initiatives) == 1
    expected = list(selectors.initiative_list(user=admin).order_by("-id").values_list("pk", flat=True)[:2])
    assert [row["id"] for row in body["results"]] == expected

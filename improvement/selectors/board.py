"""Reads of the PDCA board: a capped column of cards per stage, and how many each column holds.

An organisation's board is thousands of active initiatives (bench/: ~2,300 cards, 1.9 MB at 10,000
initiatives). Each column shows its first ``cap`` cards by code, picked by one query per stage that
stops after them, and the true count per stage from one aggregate: the page costs the same queries
and bytes whatever the portfolio's size.

For a reader of everything, the whole board's counts and its lead choices are the same for every
such reader: they are kept in the shared cache until a write moves them (``board_totals_written``,
``board_leads_written``, hooked to the model signals in improvement/receivers.py). Counting them
reads every active initiative (bench/: 13 ms at 100,000 initiatives, 1.4 ms at 10,000), and the lead
choices ask every person of the organisation (4.0 ms and 0.55 ms).
"""

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_noop

from accounts.models import Membership, Team, User
from accounts.selectors import user_labels
from common.revision_cache import revision_cached, revision_name, revision_new_on_commit
from improvement.models import STAGE_ORDER, Initiative, Stage, Status
from improvement.selectors.initiative_count import initiative_count_seconds
from improvement.selectors.initiatives import initiative_list, initiative_readable

BOARD_STATUSES = (Status.ACTIVE, Status.ON_HOLD)
# The kept answers of a reader of everything (see the module's docstring).
BOARD_TOTALS = revision_name("board-totals")
BOARD_LEADS = revision_name("board-leads")


class BoardScope:
    """Whose initiatives the board shows."""

    TEAMS = "teams"
    MINE = "mine"
    ALL = "all"
    CHOICES = [
        (TEAMS, gettext_noop("My teams")),
        (MINE, gettext_noop("Initiatives I lead")),
        (ALL, gettext_noop("Everything I can see")),
    ]


@dataclass
class BoardColumn:
    stage: Stage
    cards: list[Initiative]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def board_default_scope(*, user: User) -> str:
    """My teams' initiatives for a member of a team; everything readable for the others."""
    return BoardScope.TEAMS if Membership.objects.filter(user=user).exists() else BoardScope.ALL


def _board_filter(
    qs: QuerySet[Initiative], *, user: User, scope: str, team: Team | None, lead: User | None
) -> QuerySet[Initiative]:
    qs = qs.filter(status__in=BOARD_STATUSES)
    if scope == BoardScope.TEAMS:
        qs = qs.filter(team__in=Membership.objects.filter(user=user).values("team_id"))
    elif scope == BoardScope.MINE:
        qs = qs.filter(lead=user)
    if team is not None:
        qs = qs.filter(team=team)
    if lead is not None:
        qs = qs.filter(lead=lead)
    return qs


def initiative_board(
    *, user: User, scope: str, cap: int, team: Team | None = None, lead: User | None = None
) -> list[BoardColumn]:
    """A column per stage in PDCA order with at most ``cap`` cards each, by code."""
    filters = {"user": user, "scope": scope, "team": team, "lead": lead}
    # Counted on the bare rows: the cards' milestone counts and joins would only slow the count.
    counted = _board_filter(initiative_readable(user=user), **filters)

    def count() -> dict[str, int]:
        return dict(counted.order_by().values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))

    whole = user.reads_everything and scope == BoardScope.ALL and team is None and lead is None
    totals = (
        revision_cached(name=BOARD_TOTALS, key="all", compute=count, timeout=initiative_count_seconds())
        if whole
        else count()
    )
    # Each column's first cards on the bare rows, a query per stage that stops after ``cap`` rows (a
    # window over every stage numbered every active initiative); then only the shown cards get
    # their joins and milestone counts.
    shown = [
        pk
        for stage in STAGE_ORDER
        for pk in counted.filter(stage=stage).order_by("code").values_list("pk", flat=True)[:cap]
    ]
    cards: dict[str, list[Initiative]] = {stage: [] for stage in STAGE_ORDER}
    for initiative in initiative_list(user=user).filter(pk__in=shown).order_by("code"):
        cards[initiative.stage].append(initiative)
    return [
        BoardColumn(stage=Stage(stage), cards=cards[stage], total=totals.get(stage, 0))
        for stage in STAGE_ORDER
    ]


def board_lead_list(*, user: User) -> QuerySet[User]:
    """Leads of the initiatives the board can show ``user``: the board's lead filter."""
    shown = initiative_readable(user=user).filter(status__in=BOARD_STATUSES).values("lead_id")
    return User.objects.filter(pk__in=shown).order_by("full_name", "email")


def board_lead_labels(*, user: User) -> list[tuple[int, str]]:
    """``board_lead_list`` as (id, name) pairs, for the filter's choices; kept for a reader of
    everything."""

    def labels() -> list[tuple[int, str]]:
        return user_labels(board_lead_list(user=user))

    if not user.reads_everything:
        return labels()
    seconds = initiative_count_seconds()
    return revision_cached(name=BOARD_LEADS, key="everyone", compute=labels, timeout=seconds)


def board_totals_written() -> None:
    """An initiative was created, deleted, or moved stage, status or archiving: the whole board's kept
    counts are dropped once the write commits."""
    revision_new_on_commit(BOARD_TOTALS)


def board_leads_written() -> None:
    """An initiative's lead, status or archiving, or a person's name, was written: the kept lead
    choices are dropped once the write commits."""
    revision_new_on_commit(BOARD_LEADS)

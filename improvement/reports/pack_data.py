"""What a portfolio pack says: the figures, the ranked initiatives, what moved and what is at risk.

The figures are the dashboard's roll-up (``portfolio_summary``), the rows the dashboard's money
table as its CSV and XLSX exports stream them (``portfolio_export``: same ranking, same figures,
same at-risk test). The snapshot kept with a pack is the little the next pack compares against.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.models import User
from improvement.models import STAGE_ORDER, Health
from improvement.selectors.initiatives import initiative_portfolio
from improvement.selectors.money import PortfolioSummary
from improvement.selectors.portfolio_export import ExportRow, portfolio_export
from improvement.selectors.portfolio_rollup import portfolio_summary

SNAPSHOT_VERSION = 1
# Index of each value in a snapshot's row: code → [stage, health, status, at risk, net benefit].
STAGE, HEALTH, STATUS, AT_RISK, NET = range(5)
MSG_GONE = gettext_noop("left the portfolio (abandoned, or no longer readable)")
TOTALS = ("initiatives", "total_cost", "total_benefit", "projected_12m_benefit", "npv", "at_risk")


@dataclass
class Move:
    code: str
    title: str
    what: str


@dataclass
class PackContent:
    as_of: dt.date
    summary: PortfolioSummary
    rows: list[ExportRow]
    at_risk: list[tuple[ExportRow, str]]
    snapshot: dict
    previous_as_of: dt.date | None = None
    totals_before: dict = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)


def risk_reasons(row: ExportRow) -> str:
    """Why a row is at risk, in the words of ``AT_RISK_DEFINITION``."""
    reasons = []
    if row.health != Health.ON_TRACK.label:
        reasons.append(_("the lead reports it {health}").format(health=row.health.lower()))
    if row.milestones_overdue:
        count = row.milestones_overdue
        reasons.append(
            ngettext("{count} milestone past due", "{count} milestones past due", count).format(count=count)
        )
    return "; ".join(reasons)


def pack_compose(
    *,
    user: User,
    as_of: dt.date,
    previous: dict | None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> PackContent:
    """The pack of what ``user`` reads, as of ``as_of``, compared with the ``previous`` snapshot."""
    summary = portfolio_summary(user=user, today=as_of)
    initiatives = initiative_portfolio(user=user)
    rows: list[ExportRow] = []
    chunks = portfolio_export(initiatives=initiatives, today=as_of)
    total = summary.initiatives or 1
    for chunk in chunks:
        rows += chunk
        on_progress(len(rows), max(total, len(rows)))
    at_risk = [(row, risk_reasons(row)) for row in rows if row.at_risk]
    snapshot = snapshot_of(as_of=as_of, summary=summary, rows=rows, at_risk=len(at_risk))
    content = PackContent(as_of=as_of, summary=summary, rows=rows, at_risk=at_risk, snapshot=snapshot)
    if previous and previous.get("version") == SNAPSHOT_VERSION:
        content.previous_as_of = dt.date.fromisoformat(previous["as_of"])
        content.totals_before = previous["totals"]
        content.moves = moves_between(previous["initiatives"], rows)
    return content


def snapshot_of(*, as_of: dt.date, summary: PortfolioSummary, rows: list[ExportRow], at_risk: int) -> dict:
    money = summary.money
    return {
        "version": SNAPSHOT_VERSION,
        "as_of": as_of.isoformat(),
        "totals": {
            "initiatives": len(rows),
            "total_cost": round(money.total_cost, 2),
            "total_benefit": round(money.total_benefit, 2),
            "projected_12m_benefit": round(money.projected_12m_benefit, 2),
            "npv": round(money.npv, 2),
            "at_risk": at_risk,
        },
        "initiatives": {
            row.code: [row.stage, row.health, row.status, row.at_risk, round(row.money.net_benefit, 2)]
            for row in rows
        },
    }


def _stage_rank(label: str) -> int:
    labels = [str(stage.label) for stage in STAGE_ORDER]
    return labels.index(label) if label in labels else -1


def moves_between(before: dict[str, list], rows: list[ExportRow]) -> list[Move]:
    """What changed per initiative since the snapshot ``before``: new or gone, stage, status,
    health, and entering or leaving the at-risk list; in the order of ``rows`` (the ranking)."""
    moves = []
    seen = set()
    for row in rows:
        seen.add(row.code)
        old = before.get(row.code)
        if old is None:
            new = _("new in the portfolio ({stage}, {health})").format(stage=row.stage, health=row.health)
            moves.append(Move(row.code, row.title, new))
            continue
        what = []
        if old[STAGE] != row.stage:
            stages = {"src": old[STAGE], "dst": row.stage}
            if _stage_rank(row.stage) >= _stage_rank(old[STAGE]):
                what.append(_("moved from {src} to {dst}").format(**stages))
            else:
                what.append(_("stepped back from {src} to {dst}").format(**stages))
        if old[STATUS] != row.status:
            what.append(_("status {src} to {dst}").format(src=old[STATUS], dst=row.status))
        if old[HEALTH] != row.health:
            what.append(_("health {src} to {dst}").format(src=old[HEALTH], dst=row.health))
        if old[AT_RISK] != row.at_risk:
            what.append(_("now at risk") if row.at_risk else _("no longer at risk"))
        if what:
            moves.append(Move(row.code, row.title, "; ".join(what)))
    gone = [code for code in before if code not in seen]
    moves += [Move(code, "", _(MSG_GONE)) for code in gone]
    return moves

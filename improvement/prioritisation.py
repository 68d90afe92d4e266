"""Prioritisation and break-point analysis. Pure: no Django imports (docs/ideas.md).

Money a month of an idea = max(0, gap) × unit value × monthly volume, where the gap is
target − current for a higher-is-better KPI and current − target for a lower-is-better one.
Money a month of a Plan-stage initiative = Σ over its primary KPI targets of
max(0, gap between the target and the current value) × the target's unit value per month; the
current value is the latest measurement of the target's series, else its baseline.
Money is ``None`` (unknown) when an input is missing: never 0, which would read "worth nothing".

Score = (w_v·V + w_m·M + w_e·E) / (w_v + w_m + w_e) × 100, with
V = (value − 1) / 4, E = (5 − difficulty) / 4 and M = money / the largest money among the ranked
items (0 when the money is unknown or no item has any). Every part lies in 0…1, so the score lies in
0…100 whatever the weights.

The break-point Pareto: groups (a break-point type, or a KPI within one) sorted by their count of
items, largest first; each with its share of all items, the cumulative share down the sorted list,
the reference share of its type and the difference to it (in percentage points).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SCORE_MIN, SCORE_MAX = 1, 5
SCORE_SPAN = SCORE_MAX - SCORE_MIN
PERCENT = 100.0


def gap(*, current: float | None, target: float | None, higher_is_better: bool) -> float | None:
    """How far the KPI still has to move in its good direction; 0 once it is there; None if unknown."""
    if current is None or target is None:
        return None
    remaining = target - current if higher_is_better else current - target
    return max(0.0, remaining)


def idea_money(
    *,
    current: float | None,
    target: float | None,
    unit_value: float | None,
    monthly_volume: int | None,
    higher_is_better: bool | None,
) -> float | None:
    """Money a month an idea would bring if its KPI reached the target; None when an input is missing."""
    if unit_value is None or monthly_volume is None or higher_is_better is None:
        return None
    remaining = gap(current=current, target=target, higher_is_better=higher_is_better)
    if remaining is None:
        return None
    return remaining * float(unit_value) * monthly_volume


@dataclass(frozen=True)
class TargetGap:
    """One primary KPI target of an initiative, as its money needs it."""

    baseline: float
    target: float
    latest: float | None
    unit_value_per_month: float | None
    higher_is_better: bool

    @property
    def current(self) -> float:
        return self.baseline if self.latest is None else self.latest


def target_money(item: TargetGap) -> float | None:
    if item.unit_value_per_month is None:
        return None
    remaining = gap(current=item.current, target=item.target, higher_is_better=item.higher_is_better)
    return remaining * float(item.unit_value_per_month)


def initiative_money(targets: Iterable[TargetGap]) -> float | None:
    """Σ of the money of the primary targets that have a unit value; None when none has one."""
    known = [money for money in map(target_money, targets) if money is not None]
    return sum(known) if known else None


@dataclass(frozen=True)
class Weights:
    value: float
    money: float
    ease: float

    @property
    def total(self) -> float:
        return self.value + self.money + self.ease


def value_part(value: int) -> float:
    return (value - SCORE_MIN) / SCORE_SPAN


def ease_part(difficulty: int) -> float:
    return (SCORE_MAX - difficulty) / SCORE_SPAN


def money_part(money: float | None, max_money: float | None) -> float:
    if money is None or not max_money:
        return 0.0
    return money / max_money


def score(
    *, value: int, difficulty: int, money: float | None, max_money: float | None, weights: Weights
) -> float:
    """The weighted score, 0…100 (see the module's docstring)."""
    if weights.total <= 0:
        raise ValueError("At least one weight must be positive.")
    weighted = (
        weights.value * value_part(value)
        + weights.money * money_part(money, max_money)
        + weights.ease * ease_part(difficulty)
    )
    return weighted / weights.total * PERCENT


# --- break-point Pareto ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupTotals:
    """What a break-point group adds up to: ideas, initiatives, money, targets (and those on target)."""

    key: str
    breakpoint_type: str
    ideas: int = 0
    initiatives: int = 0
    money: float | None = None
    targets: int = 0
    targets_on_target: int = 0

    @property
    def count(self) -> int:
        return self.ideas + self.initiatives

    def plus(self, other: "GroupTotals") -> "GroupTotals":
        money = None if self.money is None and other.money is None else (self.money or 0) + (other.money or 0)
        return GroupTotals(
            key=self.key,
            breakpoint_type=self.breakpoint_type,
            ideas=self.ideas + other.ideas,
            initiatives=self.initiatives + other.initiatives,
            money=money,
            targets=self.targets + other.targets,
            targets_on_target=self.targets_on_target + other.targets_on_target,
        )


@dataclass(frozen=True)
class ParetoRow:
    totals: GroupTotals
    share: float | None
    cumulative_share: float | None
    reference_share: float | None
    difference: float | None

    @property
    def on_target_rate(self) -> float | None:
        """Share of the targets that are on target, in percent; None without targets."""
        if not self.totals.targets:
            return None
        return self.totals.targets_on_target / self.totals.targets * PERCENT


def combine(groups: Iterable[GroupTotals]) -> list[GroupTotals]:
    """Groups of the same key added together (ideas and initiatives counted apart, then merged)."""
    merged: dict[str, GroupTotals] = {}
    for group in groups:
        merged[group.key] = merged[group.key].plus(group) if group.key in merged else group
    return list(merged.values())


def pareto(groups: Iterable[GroupTotals], *, reference: Mapping[str, float] | None = None) -> list[ParetoRow]:
    """The Pareto rows: largest count first (ties by key), shares in percent of all items.

    ``reference`` maps a break-point type to its reference share in percent; rows of a type it does
    not name (and every row when it is None, as for KPIs) have no reference share nor difference.
    """
    ordered = sorted(groups, key=lambda group: (-group.count, group.key))
    total = sum(group.count for group in ordered)
    rows, running = [], 0
    for group in ordered:
        running += group.count
        share = group.count / total * PERCENT if total else None
        cumulative = running / total * PERCENT if total else None
        ref = None if reference is None else reference.get(group.breakpoint_type)
        ref = None if ref is None else float(ref)
        difference = None if share is None or ref is None else share - ref
        rows.append(ParetoRow(group, share, cumulative, ref, difference))
    return rows

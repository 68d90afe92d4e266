"""An experiment's read-out in plain words: for each treatment, what a lead may conclude.

Built from ``selectors.experiment_results`` (the interval, Holm's significance, power at the MDE
and users needed per arm) and the pace users arrive at, so the page leads with "B converts better
than A by 3.6 to 10.6 points; enough data" or "Not enough data yet: about 1,289 more users per
arm, ~9 days at the current rate" instead of a table whose deciding columns are off-screen.
No Django here: plain dicts in, a dataclass out.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common import numbers
from improvement.words import gettext as _
from improvement.words import gettext_noop, ngettext

BETTER = "better"
WORSE = "worse"
NO_DIFFERENCE = "no_difference"
MORE_DATA = "more_data"
NO_DATA = "no_data"
UNTRUSTED = "untrusted"

V_UNTRUSTED = gettext_noop(
    "Do not act on this result: the users are not split as the weights say (sample-ratio "
    "mismatch), so the assignment or the logging is broken."
)
V_NO_DATA = gettext_noop("{treatment} cannot be compared with {control} yet: an arm has too little data.")
# Whole sentences for each wording ("converts" for a rate, "does" for a mean): word order differs
# between languages, so no sentence is glued from translated pieces.
V_BETTER = gettext_noop("{treatment} does better than {control}: {change}.")
V_WORSE = gettext_noop("{treatment} does worse than {control}: {change}.")
V_BETTER_RATE = gettext_noop("{treatment} converts better than {control}: {change}.")
V_WORSE_RATE = gettext_noop("{treatment} converts worse than {control}: {change}.")
V_ENOUGH = gettext_noop("Enough data.")
V_NO_DIFFERENCE = gettext_noop(
    "No difference detected between {treatment} and {control}: the difference lies between {span}, "
    "and there are enough users to have found the minimum detectable effect."
)
V_MORE_DATA = gettext_noop("Not enough data yet: about {more} more users per arm.")
V_MORE_DATA_DAYS = gettext_noop(
    "Not enough data yet: about {more} more users per arm, ~{days} at the current rate."
)
V_EARLY_BETTER = gettext_noop(
    "{treatment} looks better than {control} ({change}), but not enough data yet: about "
    "{more} more users per arm. Early differences tend to shrink."
)
V_EARLY_WORSE = gettext_noop(
    "{treatment} looks worse than {control} ({change}), but not enough data yet: about "
    "{more} more users per arm. Early differences tend to shrink."
)
V_EARLY_BETTER_DAYS = gettext_noop(
    "{treatment} looks better than {control} ({change}), but not enough data yet: about "
    "{more} more users per arm, ~{days} at the current rate. Early differences tend to shrink."
)
V_EARLY_WORSE_DAYS = gettext_noop(
    "{treatment} looks worse than {control} ({change}), but not enough data yet: about "
    "{more} more users per arm, ~{days} at the current rate. Early differences tend to shrink."
)
V_NO_MDE_SIGNIFICANT = gettext_noop("Set a minimum detectable effect to check there is enough data.")
V_NO_MDE = gettext_noop(
    "No difference detected so far between {treatment} and {control} (between {span}). Without a minimum "
    "detectable effect, whether there are enough users to find one is unknown."
)
# One day at least: a rate measured over minutes after the start says little about the pace.
MIN_ELAPSED_DAYS = 1.0


@dataclass(frozen=True)
class Verdict:
    """What one treatment's comparison with the control says, and the numbers behind it."""

    variant: str
    name: str
    kind: str
    text: str
    power: float | None
    target_power: float
    users: dict[str, int]
    needed: dict[str, int] | None
    more_users_per_arm: int | None
    days_more: int | None


def _amount(value: float, *, metric: str, unit: str) -> str:
    """A difference of the metric: points for a rate, the KPI's unit for a mean."""
    if metric == "proportion":
        return numbers.points(value, sign=False, unit=False)
    return numbers.with_unit(value, unit)


def _change(low: float, high: float, *, metric: str, unit: str) -> str:
    """A significant interval as a move: "up by 3.6 to 10.6 points" (both ends on one side of 0)."""
    ends = sorted((abs(low), abs(high)))
    amounts = {
        "low": _amount(ends[0], metric=metric, unit=unit),
        "high": _amount(ends[1], metric=metric, unit=unit),
    }
    if metric == "proportion":
        text = _("up by {low} to {high} points") if low > 0 else _("down by {low} to {high} points")
    else:
        text = _("up by {low} to {high}") if low > 0 else _("down by {low} to {high}")
    return text.format(**amounts)


def _span(low: float, high: float, *, metric: str, unit: str) -> str:
    """An interval that may cross 0, signed: "−1.2 and +2.3 points"."""
    if metric == "proportion":
        ends = {"low": numbers.points(low, unit=False), "high": numbers.points(high)}
    else:
        ends = {"low": numbers.readable(low, sign=True), "high": numbers.with_unit(high, unit, sign=True)}
    return _("{low} and {high}").format(**ends)


def _sentences(*sentences: str) -> str:
    """Sentences one after the other: a space after an English full stop, none after "。"."""
    text = sentences[0]
    for sentence in sentences[1:]:
        text += ("" if text.endswith("。") else " ") + sentence
    return text


def _days(short: Mapping[str, int], users: Mapping[str, int], elapsed_days: float | None) -> int | None:
    """Days until every arm has its users, at each arm's own pace so far; None without a pace."""
    if elapsed_days is None or not any(short.values()):
        return None
    elapsed = max(elapsed_days, MIN_ELAPSED_DAYS)
    days = 0.0
    for key, missing in short.items():
        if not missing:
            continue
        if not users.get(key):
            return None
        days = max(days, missing / (users[key] / elapsed))
    return math.ceil(days)


def _day_count(days: int) -> str:
    return ngettext("{days} day", "{days} days", days).format(days=numbers.count(days))


def experiment_verdicts(
    *,
    results: Mapping[str, Any],
    higher_is_better: bool,
    unit: str,
    target_power: float,
    elapsed_days: float | None,
) -> list[Verdict]:
    """One verdict per treatment, in the order of ``results["comparisons"]``.

    ``elapsed_days`` is how long the experiment has collected users (None before it started);
    with it, the days still needed are estimated at the pace each arm has had.
    """
    summaries = {summary["key"]: summary for summary in results["variants"]}
    metric = results["metric"]
    verdicts = []
    for comparison in results["comparisons"]:
        treatment, control = summaries[comparison["variant"]], summaries[comparison["control"]]
        names = {"treatment": treatment["name"], "control": control["name"]}
        users = {control["key"]: control["users"], treatment["key"]: treatment["users"]}
        needed = comparison["required_users_per_arm"]
        short = {key: max(0, needed[key] - users[key]) for key in needed} if needed else None
        more = max(short.values()) if short else None
        days = _days(short, users, elapsed_days) if short else None
        interval = comparison["absolute_ci"]
        fmt = {"metric": metric, "unit": unit}
        if results["srm"]["detected"]:
            kind, text = UNTRUSTED, _(V_UNTRUSTED)
        elif interval is None or comparison["significant"] is None:
            kind, text = NO_DATA, _(V_NO_DATA).format(**names)
        elif comparison["significant"]:
            better = (interval[0] > 0) == higher_is_better
            kind = BETTER if better else WORSE
            change = _change(*interval, **fmt)
            if more:
                if days is None:
                    template = V_EARLY_BETTER if better else V_EARLY_WORSE
                else:
                    template = V_EARLY_BETTER_DAYS if better else V_EARLY_WORSE_DAYS
                text = _(template).format(
                    **names, change=change, more=numbers.count(more), days=_day_count(days or 0)
                )
                kind = MORE_DATA
            else:
                if metric == "proportion":
                    template = V_BETTER_RATE if better else V_WORSE_RATE
                else:
                    template = V_BETTER if better else V_WORSE
                text = _sentences(
                    _(template).format(**names, change=change),
                    _(V_ENOUGH if more == 0 else V_NO_MDE_SIGNIFICANT),
                )
        elif more is None:
            kind, text = NO_DIFFERENCE, _(V_NO_MDE).format(**names, span=_span(*interval, **fmt))
        elif more:
            template = V_MORE_DATA if days is None else V_MORE_DATA_DAYS
            kind, text = MORE_DATA, _(template).format(more=numbers.count(more), days=_day_count(days or 0))
        else:
            kind, text = NO_DIFFERENCE, _(V_NO_DIFFERENCE).format(**names, span=_span(*interval, **fmt))
        verdicts.append(
            Verdict(
                variant=treatment["key"],
                name=treatment["name"],
                kind=kind,
                text=text,
                power=comparison["power_at_mde"],
                target_power=target_power,
                users=users,
                needed=needed,
                more_users_per_arm=more,
                days_more=days,
            )
        )
    return verdicts

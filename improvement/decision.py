"""What to do with an experiment: ship, roll back, keep running or call it inconclusive, and why.

Pure: the read-outs of ``kpis.stats.experiments`` as dicts in (the primary KPI's and each
guardrail's), a ``Decision`` out. The rule is the table in docs/statistics.md ("The decision").
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from improvement.words import gettext as _
from improvement.words import gettext_noop
from kpis.stats.experiments import holm

SHIP = "ship"
ROLL_BACK = "roll_back"
KEEP_RUNNING = "keep_running"
INCONCLUSIVE = "inconclusive"
DECISIONS = (SHIP, ROLL_BACK, KEEP_RUNNING, INCONCLUSIVE)

# A guardrail of one treatment: worse beyond its tolerance, within it, or not known yet.
BREACHED = "breached"
WITHIN = "within_tolerance"
UNKNOWN = "unknown"

# One day at least: a rate measured over minutes after the start says little about the pace.
MIN_ELAPSED_DAYS = 1.0

R_NO_DATA = gettext_noop("{variant} cannot be compared with {control} yet: an arm has too few users.")
R_SRM = gettext_noop(
    "{kpi}: the users are not split as the weights say (sample-ratio mismatch), so the assignment or "
    "the logging is broken and no result can be trusted."
)
R_BETTER = gettext_noop("{variant} is better than {control} on {kpi} (Holm-adjusted p {p}).")
R_WORSE = gettext_noop("{variant} is worse than {control} on {kpi} (Holm-adjusted p {p}).")
R_BETTER_SEQ = gettext_noop(
    "{variant} is better than {control} on {kpi} (always-valid p {p}, Holm-adjusted)."
)
R_WORSE_SEQ = gettext_noop("{variant} is worse than {control} on {kpi} (always-valid p {p}, Holm-adjusted).")
R_NO_DIFFERENCE = gettext_noop("{variant} shows no significant difference from {control} on {kpi}.")
R_POWER_REACHED = gettext_noop("{variant}: power at the MDE is reached ({power} of {target}).")
R_POWER_SHORT = gettext_noop("{variant}: not enough users yet for the planned power ({power} of {target}).")
R_NO_MDE = gettext_noop("No minimum detectable effect is set, so whether there are enough users is unknown.")
R_BREACHED = gettext_noop(
    "{variant} makes guardrail {kpi} worse by {change}, beyond its tolerance of {tolerance}."
)
R_WITHIN = gettext_noop("{variant} keeps guardrail {kpi} within its tolerance of {tolerance}.")
R_GUARD_UNKNOWN = gettext_noop("Guardrail {kpi} has no interval for {variant} yet (enter its data).")
R_STOPPED = gettext_noop("The experiment is stopped, so it will not get more data.")
D_SHIP = gettext_noop("Ship {variant}.")
D_ROLL_BACK = gettext_noop("Roll back to {control}: no treatment can ship and at least one does harm.")
D_KEEP_RUNNING = gettext_noop("Keep running: the data do not decide yet.")
D_INCONCLUSIVE = gettext_noop("Inconclusive: the data cannot support shipping or rolling back.")
DL_NO_MDE = gettext_noop("No minimum detectable effect, so there is no planned sample size to reach.")
DL_NOT_STARTED = gettext_noop("The experiment has not started, so there is no daily rate yet.")
DL_NO_USERS = gettext_noop("An arm that needs more users has none yet, so its daily rate is unknown.")
DL_NO_PLAN = gettext_noop("The planned sample size could not be computed (see the warnings).")


@dataclass(frozen=True)
class Decision:
    decision: str
    variant: str | None
    reasons: list[str]
    days_left: int | None
    days_left_reason: str | None
    guardrails: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _p(value: float) -> str:
    """Written as the site writes p-values: three decimals, and "< 0.001" below that (no e-notation)."""
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def guardrail_status(
    comparison: Mapping[str, Any], *, higher_is_better: bool, tolerance: float, sequential: bool = False
) -> str:
    """Breached when the guardrail is worse with 1 − α confidence (the relative interval — the
    always-valid one in a sequential experiment — lies wholly
    on the bad side of 0) and its estimated worsening exceeds the tolerance; unknown without an
    interval; within tolerance otherwise."""
    interval = comparison.get("sequential_relative_ci" if sequential else "relative_ci")
    effect = comparison.get("relative_effect")
    if interval is None or effect is None:
        return UNKNOWN
    sign = -1.0 if higher_is_better else 1.0
    worse_low = min(sign * interval[0], sign * interval[1])
    return BREACHED if worse_low > 0 and sign * effect > tolerance else WITHIN


def days_left(primary: Mapping[str, Any], *, elapsed_days: float | None) -> tuple[int | None, str | None]:
    """max over arms of ⌈(planned − users) / (users / elapsed days)⌉; 0 once every arm has its users.

    The planned users of an arm are the largest ``required_users_per_arm`` over the comparisons.
    """
    planned: dict[str, int] = {}
    for comparison in primary["comparisons"]:
        for key, users in (comparison.get("required_users_per_arm") or {}).items():
            planned[key] = max(planned.get(key, 0), users)
    if not planned:
        no_mde = any(w.startswith("No minimum detectable effect") for w in primary.get("warnings", []))
        return None, _(DL_NO_MDE) if no_mde else _(DL_NO_PLAN)
    users = {summary["key"]: summary["users"] for summary in primary["variants"]}
    short = {key: max(0, need - users.get(key, 0)) for key, need in planned.items()}
    if not any(short.values()):
        return 0, None
    if elapsed_days is None:
        return None, _(DL_NOT_STARTED)
    elapsed = max(elapsed_days, MIN_ELAPSED_DAYS)
    days = 0.0
    for key, missing in short.items():
        if missing and not users.get(key):
            return None, _(DL_NO_USERS)
        if missing:
            days = max(days, missing / (users[key] / elapsed))
    return math.ceil(days), None


def experiment_decision(
    *,
    primary: Mapping[str, Any],
    kpi: str,
    higher_is_better: bool,
    guardrails: Sequence[Mapping[str, Any]],
    target_power: float,
    elapsed_days: float | None,
    stopped: bool,
) -> Decision:
    """The decision and its reasons. ``guardrails``: ``{kpi, name, higher_is_better, tolerance,
    results}`` with ``results`` the guardrail's read-out (None without a control)."""
    names = {summary["key"]: summary.get("name") or summary["key"] for summary in primary["variants"]}
    control = names[primary["control"]]
    left, left_reason = days_left(primary, elapsed_days=elapsed_days)
    reasons: list[str] = []
    statuses: list[dict[str, Any]] = []

    def done(decision: str, variant: str | None = None, head: str = "") -> Decision:
        if stopped and decision == KEEP_RUNNING:
            decision, head = INCONCLUSIVE, _(D_INCONCLUSIVE)
            reasons.append(_(R_STOPPED))
        return Decision(decision, variant, [head, *reasons], left, left_reason, statuses)

    srm = [kpi] if primary["srm"]["detected"] else []
    srm += [g["name"] for g in guardrails if g["results"] and g["results"]["srm"]["detected"]]
    if srm:
        reasons.extend(_(R_SRM).format(kpi=name) for name in srm)
        return done(INCONCLUSIVE, head=_(D_INCONCLUSIVE))

    # A sequential experiment is judged on its always-valid p-values (Holm across the treatments),
    # so that looking every day does not raise the chance of shipping on noise.
    sequential = bool(primary.get("sequential"))
    sequential_holm = dict(
        zip(
            [c["variant"] for c in primary["comparisons"]],
            holm([c.get("sequential_p_value") for c in primary["comparisons"]]),
            strict=True,
        )
    )
    ready, pending, harmful = [], [], []
    if any(w.startswith("No minimum detectable effect") for w in primary.get("warnings", [])):
        reasons.append(_(R_NO_MDE))
    for comparison in primary["comparisons"]:
        key = comparison["variant"]
        fmt = {"variant": names[key], "control": control, "kpi": kpi}
        if comparison["significant"] is None:
            reasons.append(_(R_NO_DATA).format(**fmt))
            pending.append(key)
            continue
        # The direction from the absolute effect: the relative one is undefined for a control at 0.
        sign = 1.0 if higher_is_better else -1.0
        gain = sign * comparison["absolute_effect"]
        p_value, significant = comparison["p_value_holm"], comparison["significant"]
        if sequential:
            p_value = sequential_holm[key]
            significant = p_value is not None and p_value < primary["alpha"]
        better = significant and gain > 0
        worse = significant and gain < 0
        if better:
            reasons.append(_(R_BETTER_SEQ if sequential else R_BETTER).format(**fmt, p=_p(p_value)))
        elif worse:
            reasons.append(_(R_WORSE_SEQ if sequential else R_WORSE).format(**fmt, p=_p(p_value)))
        else:
            reasons.append(_(R_NO_DIFFERENCE).format(**fmt))
        power, required = comparison["power_at_mde"], comparison["required_users_per_arm"]
        powered = None
        if required is not None:
            users = {s["key"]: s["users"] for s in primary["variants"]}
            powered = all(users[arm] >= need for arm, need in required.items())
            template = _(R_POWER_REACHED if powered else R_POWER_SHORT)
            achieved = _("unknown") if power is None else _pct(power)
            reasons.append(template.format(variant=names[key], power=achieved, target=_pct(target_power)))
        guard_states = []
        for guard in guardrails:
            match = next(
                (c for c in (guard["results"] or {}).get("comparisons", []) if c["variant"] == key), {}
            )
            state = guardrail_status(
                match,
                higher_is_better=guard["higher_is_better"],
                tolerance=guard["tolerance"],
                sequential=sequential,
            )
            guard_fmt = {"variant": names[key], "kpi": guard["name"], "tolerance": _pct(guard["tolerance"])}
            if state == BREACHED:
                change = abs(match["relative_effect"])
                reasons.append(_(R_BREACHED).format(**guard_fmt, change=_pct(change)))
            elif state == WITHIN:
                reasons.append(_(R_WITHIN).format(**guard_fmt))
            else:
                reasons.append(_(R_GUARD_UNKNOWN).format(**guard_fmt))
            guard_states.append(state)
            statuses.append({"kpi": guard["kpi"], "variant": key, "status": state})
        if worse or BREACHED in guard_states:
            harmful.append(key)
        elif better and powered is not False and UNKNOWN not in guard_states:
            ready.append((sign * (comparison["relative_effect"] or 0.0), gain, key))
        elif powered is False or UNKNOWN in guard_states:
            pending.append(key)
    if ready:
        best = max(ready)[-1]
        return done(SHIP, best, _(D_SHIP).format(variant=names[best]))
    if pending:
        return done(KEEP_RUNNING, head=_(D_KEEP_RUNNING))
    if harmful:
        return done(ROLL_BACK, head=_(D_ROLL_BACK).format(control=control))
    return done(INCONCLUSIVE, head=_(D_INCONCLUSIVE))

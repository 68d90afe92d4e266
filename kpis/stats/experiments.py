"""A/B(/n) experiment read-out from per-variant aggregates: every treatment against the control.

Two-sided throughout; t = treatment, c = control. The formulas, and the library each one matches,
are written out in ``docs/statistics.md``. A number that cannot be computed from the data (no users,
no variance, a control at zero) is ``None`` and a warning says why; only invalid arguments raise.

This module validates the design, summarises each arm, runs one comparison per treatment (the test
and intervals are in ``kpis.stats.effects``), adjusts the p-values with Holm and adds power at the
MDE and the Bayesian read-out.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from kpis.stats import power as pw
from kpis.stats.adjustments import comparison_adjustments
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.bayes import Risk, chance_to_beat, credible_interval, risk
from kpis.stats.common import Result, check_alpha, check_power, defined, finite
from kpis.stats.cuped import CupedAggregate, CupedEffect
from kpis.stats.effects import (
    W_COMPARE_ONE_USER,
    W_ZERO_CONTROL_MEAN,
    W_ZERO_RELATIVE_VARIANCE,
    W_ZERO_VARIANCE,
    W_ZERO_VARIANCE_TEST,
    Effect,
    mean_effect,
    proportion_effect,
    sample_variance,
)
from kpis.stats.multiple import holm
from kpis.stats.omnibus import Omnibus, chi_square_omnibus, welch_anova
from kpis.stats.sequential import DEFAULT_TUNING, check_tuning
from kpis.stats.srm import Srm, srm_test

# The comparison warnings are defined with the effects and named here too, so that callers find
# every warning of the read-out in this module.
__all__ = [
    "MEASURE",
    "MSG_AGGREGATE_TYPE",
    "MSG_CONTROL",
    "MSG_TWO_VARIANTS",
    "MSG_WEIGHT",
    "MSG_WEIGHT_KEYS",
    "W_COMPARE_NO_USERS",
    "W_COMPARE_ONE_USER",
    "W_NO_CONTROL_SD",
    "W_NO_MDE",
    "W_NO_USERS",
    "W_ONE_USER",
    "W_POWER",
    "W_SRM_NO_USERS",
    "W_SRM_UNDEFINED",
    "W_ZERO_CONTROL_MEAN",
    "W_ZERO_RELATIVE_VARIANCE",
    "W_ZERO_VARIANCE",
    "W_ZERO_VARIANCE_TEST",
    "Comparison",
    "ExperimentResult",
    "VariantSummary",
    "analyze_experiment",
    "holm",
]

MSG_TWO_VARIANTS = "An experiment needs a control and at least one treatment."
MSG_CONTROL = "The control {control!r} is not one of the variants."
MSG_WEIGHT_KEYS = "Give exactly one allocation weight per variant."
MSG_WEIGHT = "Allocation weights must be greater than 0."
MSG_AGGREGATE_TYPE = "Variant {variant!r}: a {metric} needs {expected} totals."

W_NO_USERS = "{variant} has no users yet, so its {measure} is undefined."
W_ONE_USER = "{variant} has a single user, so its standard deviation (n − 1) is undefined."
W_COMPARE_NO_USERS = "{variant} vs {control}: an arm has no users, so the comparison is undefined."
W_NO_MDE = "No minimum detectable effect is set, so power at the MDE and required users are undefined."
W_NO_CONTROL_SD = (
    "{variant} vs {control}: the control's standard deviation is undefined or zero, so power at the "
    "MDE and required users are undefined."
)
W_POWER = "{variant} vs {control}: {reason}"
W_SRM_NO_USERS = "No users yet, so the sample-ratio mismatch test is undefined."
W_SRM_UNDEFINED = (
    "The allocation weights are too uneven for the sample-ratio mismatch test (an expected count is "
    "0 or infinite in floating point), so it is undefined."
)

MEASURE = {pw.PROPORTION: "rate", pw.MEAN: "mean"}


@dataclass(frozen=True)
class VariantSummary(Result):
    """One arm. ``mean`` is the conversion rate for a proportion; ``sd`` is √(p(1−p)) or the n−1 sd."""

    key: str
    weight: float
    users: int
    mean: float | None
    sd: float | None
    warnings: list[str]


@dataclass(frozen=True)
class Comparison(Result):
    variant: str
    control: str
    absolute_effect: float | None
    absolute_ci: list[float] | None
    relative_effect: float | None
    relative_ci: list[float] | None
    standard_error: float | None
    statistic: float | None
    degrees_of_freedom: float | None
    p_value: float | None
    p_value_holm: float | None
    significant: bool | None
    chance_to_beat_control: float | None
    risk: Risk | None
    power_at_mde: float | None
    required_users_per_arm: dict[str, int] | None
    warnings: list[str]
    # "z", "fisher_exact" or "welch_t"; the 1 − α credible interval of the relative effect.
    test: str | None = None
    credible_interval: list[float] | None = None
    # Always-valid confidence sequences (sequential experiments only, else None).
    sequential_ci: list[float] | None = None
    sequential_relative_ci: list[float] | None = None
    sequential_p_value: float | None = None
    sequential_relative_p_value: float | None = None
    # The regression-adjusted (CUPED) effect, when every arm has pre-period totals.
    cuped: CupedEffect | None = None


@dataclass(frozen=True)
class ExperimentResult(Result):
    metric: str
    control: str
    alpha: float
    sequential: bool
    sequential_tuning: float | None
    cuped: bool
    variants: list[VariantSummary]
    srm: Srm
    comparisons: list[Comparison]
    warnings: list[str]
    # Three or more arms: the k×2 χ² test (proportions) or Welch's ANOVA (means).
    omnibus: Omnibus | None = None


def _summary(
    metric: str, key: str, weight: float, data: ProportionAggregate | MeanAggregate
) -> VariantSummary:
    warnings = []
    mean = sd = None
    if data.users == 0:
        warnings.append(W_NO_USERS.format(variant=key, measure=MEASURE[metric]))
    elif metric == pw.PROPORTION:
        mean = data.conversions / data.users
        sd = math.sqrt(mean * (1 - mean))
    else:
        mean = data.sum / data.users
        if data.users == 1:
            warnings.append(W_ONE_USER.format(variant=key))
        else:
            sd = math.sqrt(sample_variance(data))
    return VariantSummary(key=key, weight=weight, users=data.users, mean=mean, sd=sd, warnings=warnings)


def _power(
    *,
    metric: str,
    control: VariantSummary,
    treatment: VariantSummary,
    mde: float,
    mde_type: str,
    alpha: float,
    power: float,
    warn: dict,
) -> tuple[float | None, dict[str, int] | None]:
    """Power at the MDE with the users seen so far, and users per arm needed at the planned weights."""
    baseline = control.mean
    if metric == pw.MEAN and not control.sd:
        warn["power"] = W_NO_CONTROL_SD.format(variant=treatment.key, control=control.key)
        return None, None
    try:
        diff = pw.absolute_mde(baseline=baseline, mde=mde, mde_type=mde_type)
        if metric == pw.PROPORTION:
            achieved = pw.proportion_power(
                control_rate=baseline,
                diff=diff,
                treatment_users=treatment.users,
                control_users=control.users,
                alpha=alpha,
            )
        else:
            achieved = pw.mean_power(
                sd=control.sd,
                diff=diff,
                treatment_users=treatment.users,
                control_users=control.users,
                alpha=alpha,
            )
        n_t, n_c = pw.required_users(
            metric=metric,
            baseline=baseline,
            diff=diff,
            sd=control.sd,
            alpha=alpha,
            power=power,
            ratio=control.weight / treatment.weight,
        )
    except ValueError as exc:
        warn["power"] = W_POWER.format(variant=treatment.key, control=control.key, reason=exc)
        return None, None
    return defined(achieved), {control.key: n_c, treatment.key: n_t}


def _compare(
    *,
    metric: str,
    control: VariantSummary,
    treatment: VariantSummary,
    data_c: ProportionAggregate | MeanAggregate,
    data_t: ProportionAggregate | MeanAggregate,
    alpha: float,
    power: float,
    mde: float | None,
    mde_type: str,
) -> tuple[Effect, float | None, dict[str, int] | None, list[str]]:
    # Warnings keyed by topic, so a reason is given once per comparison however many fields it empties.
    warn: dict[str, str] = {}
    empty = data_t.users == 0 or data_c.users == 0
    if empty:
        warn["users"] = W_COMPARE_NO_USERS
        effect = Effect()
    elif metric == pw.PROPORTION:
        effect = proportion_effect(data_t, data_c, alpha, warn)
    else:
        effect = mean_effect(data_t, data_c, alpha, warn)
    names = {"variant": treatment.key, "control": control.key, "measure": MEASURE[metric]}
    warn = {topic: template.format(**names) for topic, template in warn.items()}
    if empty:
        return effect, None, None, list(warn.values())
    achieved = required = None
    if mde is not None:
        achieved, required = _power(
            metric=metric,
            control=control,
            treatment=treatment,
            mde=mde,
            mde_type=mde_type,
            alpha=alpha,
            power=power,
            warn=warn,
        )
    return effect, achieved, required, list(warn.values())


def analyze_experiment(
    *,
    metric: str,
    control: str,
    aggregates: Mapping[str, ProportionAggregate | MeanAggregate],
    weights: Mapping[str, float],
    alpha: float = 0.05,
    power: float = 0.8,
    mde: float | None = None,
    mde_type: str = pw.MDE_RELATIVE,
    sequential: bool = False,
    sequential_tuning: float = DEFAULT_TUNING,
) -> ExperimentResult:
    """Summaries per variant, the SRM check, and each treatment compared with the control.

    ``significant`` uses the Holm-adjusted p-value, since every treatment is tested against the same
    control. Power at the MDE uses the users seen so far; required users use the planned weights.
    ``sequential`` adds always-valid confidence sequences with tuning N* (``kpis.stats.sequential``).
    A mean experiment whose every arm is a ``CupedAggregate`` gets the CUPED effect too.
    """
    if sequential:
        sequential_tuning = check_tuning(sequential_tuning)
    if metric not in pw.METRICS:
        raise ValueError(pw.MSG_METRIC)
    if mde is None:
        if mde_type not in pw.MDE_TYPES:
            raise ValueError(pw.MSG_MDE_TYPE)
    else:
        mde = pw.check_mde(mde, mde_type)
    alpha, power = check_alpha(alpha), check_power(power)
    if len(aggregates) < 2:
        raise ValueError(MSG_TWO_VARIANTS)
    if control not in aggregates:
        raise ValueError(MSG_CONTROL.format(control=control))
    if set(weights) != set(aggregates):
        raise ValueError(MSG_WEIGHT_KEYS)
    weight_of = {key: finite(weight, name="weight") for key, weight in weights.items()}
    if min(weight_of.values()) <= 0:
        raise ValueError(MSG_WEIGHT)
    expected_type = ProportionAggregate if metric == pw.PROPORTION else (MeanAggregate, CupedAggregate)
    use_cuped = all(isinstance(data, CupedAggregate) for data in aggregates.values())
    pre_period = aggregates
    aggregates = {
        key: data.post if isinstance(data, CupedAggregate) else data for key, data in aggregates.items()
    }
    for key, data in pre_period.items():
        if not isinstance(data, expected_type):
            raise ValueError(
                MSG_AGGREGATE_TYPE.format(
                    variant=key,
                    metric=metric,
                    expected=MeanAggregate.__name__ if metric == pw.MEAN else ProportionAggregate.__name__,
                )
            )

    keys = [control, *(key for key in aggregates if key != control)]
    summaries = {key: _summary(metric, key, weight_of[key], aggregates[key]) for key in keys}
    srm = srm_test([aggregates[key].users for key in keys], [weight_of[key] for key in keys])
    warnings = [warning for key in keys for warning in summaries[key].warnings]
    if srm.p_value is None:
        no_users = sum(aggregates[key].users for key in keys) == 0
        warnings.append(W_SRM_NO_USERS if no_users else W_SRM_UNDEFINED)
    if mde is None:
        warnings.append(W_NO_MDE)

    partial = []
    for key in keys[1:]:
        effect, achieved, required, texts = _compare(
            metric=metric,
            control=summaries[control],
            treatment=summaries[key],
            data_c=aggregates[control],
            data_t=aggregates[key],
            alpha=alpha,
            power=power,
            mde=mde,
            mde_type=mde_type,
        )
        extras = comparison_adjustments(
            effect,
            pre_period[key],
            pre_period[control],
            alpha=alpha,
            names={"variant": key, "control": control},
            sequential_tuning=sequential_tuning if sequential else None,
            use_cuped=use_cuped,
            texts=texts,
        )
        partial.append((key, effect, achieved, required, texts, extras))
        warnings.extend(texts)

    adjusted = holm([item[1].p_value for item in partial])
    comparisons = []
    for (key, effect, achieved, required, texts, extras), p_holm in zip(partial, adjusted, strict=True):
        chance = loss = credible = None
        if effect.relative_effect is not None and effect.relative_se:
            chance = chance_to_beat(effect.relative_effect, effect.relative_se)
            loss = risk(effect.relative_effect, effect.relative_se)
            credible = credible_interval(effect.relative_effect, effect.relative_se, alpha)
        comparisons.append(
            Comparison(
                variant=key,
                control=control,
                absolute_effect=effect.absolute_effect,
                absolute_ci=effect.absolute_ci,
                relative_effect=effect.relative_effect,
                relative_ci=effect.relative_ci,
                standard_error=effect.standard_error,
                statistic=effect.statistic,
                degrees_of_freedom=effect.degrees_of_freedom,
                p_value=effect.p_value,
                p_value_holm=p_holm,
                significant=None if p_holm is None else p_holm < alpha,
                chance_to_beat_control=chance,
                risk=loss,
                power_at_mde=achieved,
                required_users_per_arm=required,
                warnings=texts,
                test=effect.test,
                credible_interval=credible,
                **extras,
            )
        )
    omnibus = None
    if len(keys) >= 3:
        arms = [aggregates[key] for key in keys]
        omnibus = chi_square_omnibus(arms) if metric == pw.PROPORTION else welch_anova(arms)
        warnings.extend(omnibus.warnings)
    return ExperimentResult(
        omnibus=omnibus,
        metric=metric,
        control=control,
        alpha=alpha,
        sequential=sequential,
        sequential_tuning=sequential_tuning if sequential else None,
        cuped=use_cuped and metric == pw.MEAN,
        variants=[summaries[key] for key in keys],
        srm=srm,
        comparisons=comparisons,
        warnings=warnings,
    )

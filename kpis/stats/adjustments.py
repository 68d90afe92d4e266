"""What a comparison adds to the fixed-horizon read-out: always-valid confidence sequences
(``sequential``) and the regression-adjusted effect (``cuped``). Formulas in docs/statistics.md §2."""

from dataclasses import replace

from kpis.stats.cuped import cuped_effect
from kpis.stats.effects import Effect
from kpis.stats.sequential import sequential_result


def comparison_adjustments(
    effect: Effect,
    data_t,
    data_c,
    *,
    alpha: float,
    names: dict,
    sequential_tuning: float | None,
    use_cuped: bool,
    texts: list[str],
) -> dict:
    """The sequential fields and the CUPED effect of one comparison (warnings appended to ``texts``)."""
    extras: dict = {}
    n = data_t.users + data_c.users
    if sequential_tuning is not None:
        seq = sequential_result(
            absolute_effect=effect.absolute_effect,
            absolute_se=effect.standard_error,
            relative_effect=effect.relative_effect,
            relative_se=effect.relative_se,
            n=n,
            tuning=sequential_tuning,
            alpha=alpha,
        )
        extras.update(
            sequential_ci=seq.ci,
            sequential_relative_ci=seq.relative_ci,
            sequential_p_value=seq.p_value,
            sequential_relative_p_value=seq.relative_p_value,
        )
    if use_cuped and data_t.users and data_c.users:
        warn: dict[str, str] = {}
        adjusted = cuped_effect(data_t, data_c, alpha=alpha, warn=warn)
        if adjusted is not None and sequential_tuning is not None:
            seq = sequential_result(
                absolute_effect=adjusted.absolute_effect,
                absolute_se=adjusted.absolute_se,
                relative_effect=adjusted.relative_effect,
                relative_se=adjusted.relative_se,
                n=n,
                tuning=sequential_tuning,
                alpha=alpha,
            )
            adjusted = replace(
                adjusted,
                sequential_ci=seq.ci,
                sequential_relative_ci=seq.relative_ci,
                sequential_p_value=seq.p_value,
                sequential_relative_p_value=seq.relative_p_value,
            )
        extras["cuped"] = adjusted
        texts.extend(template.format(**names) for template in warn.values())
    return extras

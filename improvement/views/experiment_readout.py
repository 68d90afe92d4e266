"""The experiment page's read-out in words and readable numbers: the verdicts and the results rows.

Numbers are written by ``common.numbers`` (no e-notation, p-values bounded, rate differences in
points, a mean's differences in the KPI's unit); the verdicts come from ``improvement.verdicts``.
"""

from functools import partial

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common import numbers
from improvement import verdicts
from improvement.forms.experiments import VariantDataForm
from improvement.forms.guardrails import GuardrailForm
from improvement.models import Experiment
from kpis.models import Direction

SECONDS_PER_DAY = 86_400


def _effect(value: float | None, *, proportion: bool, unit: str) -> str:
    """A difference against the control: points for a rate, the KPI's unit for a mean."""
    return numbers.points(value) if proportion else numbers.with_unit(value, unit, sign=True)


def _interval(bounds: list[float] | None, fmt) -> str:
    return numbers.DASH if bounds is None else numbers.span(bounds[0], bounds[1], fmt)


def _significance(p: float | None, alpha: float) -> str:
    if p is None:
        return gettext("cannot be tested")
    return gettext("significant") if p < alpha else gettext("not significant")


def sequential_words(comparison: dict, *, alpha: float, tuning: float | None, difference) -> str | None:
    """The always-valid read-out in a sentence, or None for a fixed-horizon experiment."""
    if tuning is None:
        return None
    if comparison["sequential_ci"] is None:
        return gettext("Valid at every look: not computable yet (see the warnings).")
    return gettext(
        "Valid at every look (sequential, N* = {users} users): the difference lies in {interval}, "
        "relative {relative}; {p}, {significance} even if you look every day."
    ).format(
        users=numbers.count(tuning),
        interval=_interval(comparison["sequential_ci"], difference),
        relative=_interval(comparison["sequential_relative_ci"], lambda v: numbers.percent(v, sign=True)),
        p=numbers.p_value(comparison["sequential_p_value"]),
        significance=_significance(comparison["sequential_p_value"], alpha),
    )


def cuped_words(cuped: dict | None, *, alpha: float, difference) -> str | None:
    """The CUPED read-out in a sentence, or None without pre-period data."""
    if not cuped:
        return None
    effect, interval = difference(cuped["absolute_effect"]), _interval(cuped["absolute_ci"], difference)
    relative, p = numbers.percent(cuped["relative_effect"], sign=True), numbers.p_value(cuped["p_value"])
    text = gettext(
        "Adjusted for each user's pre-period value (CUPED, θ = {theta}): "
        "difference {effect} in {interval}, relative {relative}; {p}, {significance}."
    ).format(
        theta=numbers.readable(cuped["theta"]),
        effect=effect,
        interval=interval,
        relative=relative,
        p=p,
        significance=_significance(cuped["p_value"], alpha),
    )
    if cuped["variance_reduction"] is not None:
        share = numbers.percent(cuped["variance_reduction"], 0)
        text += " " + gettext("The pre-period removed {share} of the variance.").format(share=share)
    if cuped["sequential_ci"] is not None:
        interval = _interval(cuped["sequential_ci"], difference)
        text += " " + gettext("Valid at every look: {interval}.").format(interval=interval)
    return text


def result_rows(results: dict | None, *, unit: str) -> list[dict]:
    """One row per variant for the results table, numbers formatted for reading (no e-notation)."""
    if not results:
        return []
    proportion = results["metric"] == "proportion"
    treatments = {c["variant"]: c for c in results["comparisons"]}
    names = {summary["key"]: summary["name"] for summary in results["variants"]}
    rows = []
    for summary in results["variants"]:
        comparison = treatments.get(summary["key"])
        mean = summary["mean"]
        row = {
            "summary": summary,
            "users": numbers.count(summary["users"]),
            "mean": numbers.percent(mean) if proportion else numbers.with_unit(mean, unit),
            "sd": None if proportion else numbers.with_unit(summary["sd"], unit),
            "comparison": comparison,
        }
        if comparison:
            difference = partial(_effect, proportion=proportion, unit=unit)
            risk = comparison["risk"]
            needed = comparison["required_users_per_arm"]

            row.update(
                absolute=difference(comparison["absolute_effect"]),
                absolute_ci=_interval(comparison["absolute_ci"], difference),
                relative=numbers.percent(comparison["relative_effect"], sign=True),
                relative_ci=_interval(
                    comparison["relative_ci"], lambda value: numbers.percent(value, sign=True)
                ),
                p_holm=numbers.p_value(comparison["p_value_holm"]),
                p_raw=numbers.p_value(comparison["p_value"]),
                chance=numbers.percent(comparison["chance_to_beat_control"], 0),
                risk=numbers.DASH
                if risk is None
                else f"{difference(risk['control'])} / {difference(risk['treatment'])}",
                power=numbers.percent(comparison["power_at_mde"], 0),
                needed=[{"name": names[key], "needed": numbers.count(n)} for key, n in needed.items()]
                if needed
                else None,
                sequential=sequential_words(
                    comparison,
                    alpha=results["alpha"],
                    tuning=results.get("sequential_tuning"),
                    difference=difference,
                ),
                cuped=cuped_words(comparison.get("cuped"), alpha=results["alpha"], difference=difference),
            )
        rows.append(row)
    return rows


def _elapsed_days(experiment: Experiment) -> float | None:
    """How long the experiment has collected users: from its start to its stop (or now)."""
    if experiment.started_at is None:
        return None
    end = experiment.stopped_at or experiment.concluded_at or timezone.now()
    return (end - experiment.started_at).total_seconds() / SECONDS_PER_DAY


def verdict_items(experiment: Experiment, results: dict | None) -> list[dict]:
    """Each treatment's verdict, with each arm's users against those it needs."""
    if not results:
        return []
    names = {summary["key"]: summary["name"] for summary in results["variants"]}
    found = verdicts.experiment_verdicts(
        results=results,
        higher_is_better=experiment.primary_kpi.direction == Direction.HIGHER,
        unit=experiment.primary_kpi.unit,
        target_power=experiment.power,
        elapsed_days=_elapsed_days(experiment),
    )
    return [
        {
            "verdict": verdict,
            "control": names[results["control"]],
            "power": numbers.percent(verdict.power, 0),
            "target_power": numbers.percent(verdict.target_power, 0),
            "arms": [
                {
                    "name": names[key],
                    "have": numbers.count(users),
                    "needed": numbers.count(verdict.needed[key]) if verdict.needed else None,
                    "short": bool(verdict.needed) and users < verdict.needed[key],
                }
                for key, users in verdict.users.items()
            ],
        }
        for verdict in found
    ]


def guardrail_forms(
    experiment, results, bound: GuardrailForm | None = None
) -> list[tuple[dict, GuardrailForm]]:
    """(the guardrail's read-out, its settings form) per guardrail KPI; ``bound`` replaces its own."""
    forms = []
    for guardrail in (results or {}).get("guardrails", []):
        if bound is not None and bound.data.get("kpi") == guardrail["kpi"]:
            forms.append((guardrail, bound))
            continue
        initial = {k: guardrail[k] for k in ("kpi", "tolerance")} | {"metric_type": guardrail["metric"]}
        forms.append((guardrail, GuardrailForm(initial=initial)))
    return forms


STATUS_WORDS = {
    "breached": _("Worse beyond its tolerance"),
    "within_tolerance": _("Within its tolerance"),
    "unknown": _("No interval yet"),
}
DECISION_WORDS = {
    "ship": _("Ship"),
    "roll_back": _("Roll back"),
    "keep_running": _("Keep running"),
    "inconclusive": _("Inconclusive"),
}


def decision_item(results: dict | None) -> dict | None:
    """The decision in words: its title, the reasons, days left and the omnibus test in a sentence."""
    if not results:
        return None
    omnibus = results.get("omnibus")
    return {
        "kind": results["decision"],
        "title": DECISION_WORDS[results["decision"]],
        "reasons": results["reasons"],
        "days_left": None if results["days_left"] is None else numbers.count(results["days_left"]),
        "days_left_reason": results["days_left_reason"],
        "omnibus": None
        if omnibus is None
        else {
            "name": gettext("χ² test of all arms")
            if omnibus["test"] == "chi_square"
            else gettext("Welch's ANOVA of all arms"),
            "p": numbers.p_statement(omnibus["p_value"]) if omnibus["p_value"] is not None else numbers.DASH,
        },
    }


def guardrail_rows(results: dict | None) -> list[dict]:
    """One row per guardrail and treatment: relative change with its interval, and the status."""
    if not results:
        return []
    status = {(s["kpi"], s["variant"]): s["status"] for s in results.get("guardrail_status", [])}
    names = {v["key"]: v["name"] for v in results["variants"]}
    pct = partial(numbers.percent, sign=True)
    rows = []
    for guardrail in results.get("guardrails", []):
        for comparison in guardrail["results"]["comparisons"]:
            state = status.get((guardrail["kpi"], comparison["variant"]), "unknown")
            rows.append(
                {
                    "kpi": guardrail["name"],
                    "variant": names.get(comparison["variant"], comparison["variant"]),
                    "tolerance": numbers.percent(guardrail["tolerance"]),
                    "change": numbers.DASH
                    if comparison["relative_effect"] is None
                    else pct(comparison["relative_effect"]),
                    "interval": _interval(comparison["relative_ci"], pct),
                    "status": state,
                    "status_text": STATUS_WORDS[state],
                    "direction": gettext("higher is better")
                    if guardrail["higher_is_better"]
                    else gettext("lower is better"),
                }
            )
    return rows


def guardrail_data_forms(
    experiment: Experiment, results: dict | None, data=None, *, kpi: str | None = None
) -> list[dict]:
    """Per guardrail: its read-out and one data form per variant (users and rate, or mean and sd).

    ``data`` binds the forms of guardrail ``kpi`` (the one just posted); the others are blank.
    """
    variants = list(experiment.variants.all())
    found = []
    for guardrail in (results or {}).get("guardrails", []):
        bound = data if guardrail["kpi"] == kpi else None
        forms = [
            (
                variant,
                VariantDataForm(bound, metric=guardrail["metric"], prefix=f"{guardrail['kpi']}-{index}"),
            )
            for index, variant in enumerate(variants)
        ]
        found.append({"guardrail": guardrail, "forms": forms, "errors": []})
    return found

"""The cluster and before/after read-outs in words, for the experiment page."""

from collections.abc import Mapping
from typing import Any

from common import numbers


def _effect(value: float | None, metric: str) -> str:
    return numbers.points(value) if metric == "proportion" else numbers.readable(value, sign=True)


def _ci(bounds: list[float] | None, metric: str, confidence: str) -> str:
    if not bounds:
        return "no interval"

    def fmt(value: float) -> str:
        return _effect(value, metric).removesuffix(" points")

    unit = " points" if metric == "proportion" else ""
    return f"{confidence} % interval {numbers.span(bounds[0], bounds[1], fmt)}{unit}"


def _confidence(alpha: float) -> str:
    return numbers.percent(1 - alpha, -1).removesuffix(" %")


def cluster_sentences(readout: Mapping[str, Any] | None) -> list[str]:
    """One sentence per treatment: effect, interval, p-value and how much user-level tests understate."""
    if not readout:
        return []
    metric, confidence = readout["metric"], _confidence(readout["alpha"])
    noun = "rate" if metric == "proportion" else "mean"
    arms = {arm["variant"]: arm for arm in readout["variants"]}
    sentences = []
    for c in readout["comparisons"]:
        counts = f"{arms[c['variant']]['clusters']} and {arms[c['control']]['clusters']} clusters"
        if c["absolute_effect"] is None:
            sentences.append(f"{c['variant']} against {c['control']} ({counts}): not enough data yet.")
            continue
        effect = _effect(c["absolute_effect"], metric)
        text = (
            f"{c['variant']} against {c['control']} ({counts}): {effect} on the per-user {noun} "
            f"({_ci(c['absolute_ci'], metric, confidence)}"
        )
        if c["relative_effect"] is not None:
            text += f"; relative {numbers.percent(c['relative_effect'], sign=True)}"
        text += f"), {numbers.p_statement(c['p_value'])}" if c["p_value"] is not None else ")"
        text += (
            f", t test on {c['degrees_of_freedom']:.1f} degrees of freedom."
            if c["degrees_of_freedom"]
            else "."
        )
        if c["design_effect"] is not None and c["design_effect"] > 1:
            text += (
                f" Treating users as independent would understate the variance "
                f"{c['design_effect']:.1f}×, because users of one cluster are alike."
            )
        elif c["design_effect"] is not None:
            text += (
                " The clusters differ less than independent users would "
                f"(design effect {c['design_effect']:.2g})."
            )
        sentences.append(text)
    return sentences


def before_after_sentence(did: Mapping[str, Any] | None) -> str:
    """The difference in differences in one sentence (its warnings are listed apart)."""
    if not did or did.get("effect") is None:
        return "" if not did else "No before/after comparison yet."
    confidence = _confidence(did["alpha"])
    ci = _ci(did["ci"], "mean", confidence)
    method = (
        "clustered by site" if did["method"] == "site_clustered" else "treating each period as independent"
    )
    p = f", {numbers.p_statement(did['p_value'])}" if did["p_value"] is not None else ""
    return (
        f"Since {did['change_date']}, the pilot sites changed by "
        f"{numbers.readable(did['effect'], sign=True)} "
        f"relative to the control sites ({ci}{p}; standard error {method})."
    )

"""The cluster and before/after read-outs in words, for the experiment page.

Each sentence is a translatable template whose placeholders are figures or smaller templates
(interval, p-value, degrees of freedom), so a translation can reorder the parts.
"""

from collections.abc import Mapping
from typing import Any

from common import numbers
from improvement.words import gettext as _


def _effect(value: float | None, metric: str) -> str:
    return numbers.points(value) if metric == "proportion" else numbers.readable(value, sign=True)


def _ci(bounds: list[float] | None, metric: str, confidence: str) -> str:
    if not bounds:
        return _("no interval")

    def fmt(value: float) -> str:
        if metric == "proportion":
            return numbers.points(value, unit=False)
        return _effect(value, metric)

    span = numbers.span(bounds[0], bounds[1], fmt)
    # The percent sign stays out of the messages: "% i" would read as a printf directive to gettext.
    confidence = f"{confidence} %"
    if metric == "proportion":
        return _("{confidence} interval {span} points").format(confidence=confidence, span=span)
    return _("{confidence} interval {span}").format(confidence=confidence, span=span)


def _confidence(alpha: float) -> str:
    return numbers.percent(1 - alpha, -1).removesuffix(" %")


def cluster_sentences(readout: Mapping[str, Any] | None) -> list[str]:
    """One sentence per treatment: effect, interval, p-value and how much user-level tests understate."""
    if not readout:
        return []
    metric, confidence = readout["metric"], _confidence(readout["alpha"])
    arms = {arm["variant"]: arm for arm in readout["variants"]}
    sentences = []
    for c in readout["comparisons"]:
        names = {
            "variant": c["variant"],
            "control": c["control"],
            "variant_clusters": arms[c["variant"]]["clusters"],
            "control_clusters": arms[c["control"]]["clusters"],
        }
        if c["absolute_effect"] is None:
            sentences.append(
                _(
                    "{variant} against {control} ({variant_clusters} and {control_clusters} clusters): "
                    "not enough data yet."
                ).format(**names)
            )
            continue
        interval = _ci(c["absolute_ci"], metric, confidence)
        if c["relative_effect"] is not None:
            interval = _("{interval}; relative {relative}").format(
                interval=interval, relative=numbers.percent(c["relative_effect"], sign=True)
            )
        if metric == "proportion":
            head = _(
                "{variant} against {control} ({variant_clusters} and {control_clusters} clusters): "
                "{effect} on the per-user rate ({interval})"
            )
        else:
            head = _(
                "{variant} against {control} ({variant_clusters} and {control_clusters} clusters): "
                "{effect} on the per-user mean ({interval})"
            )
        text = head.format(**names, effect=_effect(c["absolute_effect"], metric), interval=interval)
        if c["p_value"] is not None:
            text = _("{sentence}, {p}").format(sentence=text, p=numbers.p_statement(c["p_value"]))
        if c["degrees_of_freedom"]:
            text = _("{sentence}, t test on {df} degrees of freedom.").format(
                sentence=text, df=f"{c['degrees_of_freedom']:.1f}"
            )
        else:
            text = _("{sentence}.").format(sentence=text)
        if c["design_effect"] is not None and c["design_effect"] > 1:
            text += " " + _(
                "Treating users as independent would understate the variance {factor}×, because users "
                "of one cluster are alike."
            ).format(factor=f"{c['design_effect']:.1f}")
        elif c["design_effect"] is not None:
            text += " " + _(
                "The clusters differ less than independent users would (design effect {factor})."
            ).format(factor=f"{c['design_effect']:.2g}")
        sentences.append(text)
    return sentences


def before_after_sentence(did: Mapping[str, Any] | None) -> str:
    """The difference in differences in one sentence (its warnings are listed apart)."""
    if not did or did.get("effect") is None:
        return "" if not did else _("No before/after comparison yet.")
    confidence = _confidence(did["alpha"])
    interval = _ci(did["ci"], "mean", confidence)
    if did["p_value"] is not None:
        interval = _("{sentence}, {p}").format(sentence=interval, p=numbers.p_statement(did["p_value"]))
    figures = {
        "date": did["change_date"],
        "effect": numbers.readable(did["effect"], sign=True),
        "interval": interval,
    }
    if did["method"] == "site_clustered":
        return _(
            "Since {date}, the pilot sites changed by {effect} relative to the control sites "
            "({interval}; standard error clustered by site)."
        ).format(**figures)
    return _(
        "Since {date}, the pilot sites changed by {effect} relative to the control sites "
        "({interval}; standard error treating each period as independent)."
    ).format(**figures)

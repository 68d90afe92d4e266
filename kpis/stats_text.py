"""The messages and warnings of ``kpis.stats`` (which imports no Django) in the reader's language.

The statistics raise ``ValueError`` with an English sentence made from one of these templates; the
services turn it into a field error. ``stats_message`` finds the template a sentence was made from
(each placeholder matches any text), translates the template and puts the same values back. A
template added to ``kpis.stats`` must be added here (tests/i18n checks that every one is).
"""

import re

from django.utils.translation import gettext, gettext_noop

from kpis.stats import attribute as ac

TEMPLATES = (
    gettext_noop("conversions ({conversions}) cannot exceed users ({users})."),
    gettext_noop("{name} must be a whole number of at least 0, not {value!r}."),
    gettext_noop("A variant with no users must have sum_product of 0."),
    gettext_noop("A variant with no users must have sum and sum_squares of 0."),
    gettext_noop("labels and values differ in length ({labels} and {values})."),
    gettext_noop("The mean must lie between -1e100 and 1e100."),
    gettext_noop("A proportion's values must be 0 or 1; row {row} is {value!r}."),
    gettext_noop("pre-period {detail}"),
    gettext_noop("Every row needs its pre-period value (pre_value)."),
    gettext_noop("A standard deviation needs at least 2 users (it divides by users − 1)."),
    gettext_noop("A standard deviation cannot be negative."),
    gettext_noop("{name} must lie between 0 and {limit:g}, not {value!r}."),
    gettext_noop(
        "sum_product ({value}) is inconsistent with the other totals: the covariance it implies is "
        "larger than the product of the standard deviations."
    ),
    gettext_noop("sum_product must lie between -{limit:g} and {limit:g}, not {value!r}."),
    gettext_noop(
        "sum_squares ({sum_squares}) is too small for sum ({sum}) over {users} users: it must be at "
        "least sum² / users."
    ),
    gettext_noop("More than {limit} distinct variants in the observations."),
    gettext_noop("{name} must lie between -{limit:g} and {limit:g}, not {value!r}."),
    gettext_noop("Every value must be a finite number; row {row} is {value!r}."),
    gettext_noop("Every value must lie between -1e100 and 1e100; row {row} is {value!r}."),
    gettext_noop("Unknown attribute chart {kind!r}."),
    gettext_noop(
        "Every period needs a sample size above 0 and a count of at least 0 (and, for a share, no more "
        "than its sample size)."
    ),
    gettext_noop("direction must be 'higher' or 'lower'."),
    gettext_noop("No measurements since the change: there is nothing to evaluate yet."),
    gettext_noop("The baseline window has fewer than two measurements and no baseline value is given."),
    gettext_noop("Every measurement must be a finite number."),
    gettext_noop("alpha must lie strictly between 0 and 1."),
    gettext_noop("{name} must be a finite number, not {value!r}."),
    gettext_noop("power must lie strictly between 0 and 1."),
    gettext_noop("Allocation weights must be within a factor of 1,000,000 of each other."),
    gettext_noop("Variant {variant!r}: a {metric} needs {expected} totals."),
    gettext_noop("The control {control!r} is not one of the variants."),
    gettext_noop("An experiment needs a control and at least one treatment."),
    gettext_noop("Allocation weights must be greater than 0."),
    gettext_noop("Give exactly one allocation weight per variant."),
    gettext_noop("A proportion's baseline must lie between 0 and 1."),
    gettext_noop("daily_users must be greater than 0."),
    gettext_noop("A relative minimum detectable effect needs a baseline other than zero."),
    gettext_noop("The minimum detectable effect on the metric's scale ({diff!r}) is not a finite number."),
    gettext_noop("mde_type must be 'relative' or 'absolute'."),
    gettext_noop(
        "The minimum detectable effect on the metric's scale ({mde!r} × |{baseline!r}|) is too small to "
        "compute with; give it as an absolute effect."
    ),
    gettext_noop("The minimum detectable effect must not be zero."),
    gettext_noop("metric must be 'proportion' or 'mean'."),
    gettext_noop("Both rates are 0 or 1: there is no variance, so power and sample size are undefined."),
    gettext_noop(
        "The baseline plus the minimum detectable effect ({rate}) is not a proportion between 0 and 1."
    ),
    gettext_noop("The standard deviation must be greater than 0."),
    gettext_noop("A mean needs the control's standard deviation."),
    gettext_noop("At this traffic the experiment would need more than {limit:,} days."),
    gettext_noop(
        "Detecting this effect needs more than {limit:,} users per arm: choose a larger minimum "
        "detectable effect."
    ),
    gettext_noop(
        "{name} is too small to compute with ({value!r}): below {smallest:.3g} floating point loses "
        "precision."
    ),
    gettext_noop("Both arms need at least one user."),
    gettext_noop("Give at least two allocation weights (control first), all greater than 0."),
    gettext_noop("sequential_tuning (N*) must be a number of users greater than 0."),
    gettext_noop(
        "The baseline must be a stretch of at least {minimum} points inside the series (0-based, end "
        "exclusive)."
    ),
    gettext_noop("Every value of the series must be a finite number."),
    gettext_noop("Give one weight per variant."),
)
# The warnings the statistics attach to a result (an interval left out, a test replaced), shown
# with the result on the pages.
WARNINGS = (
    gettext_noop(
        "Every baseline period is at {centre:g}, so the binomial spread is zero: no limits and no signals."
    ),
    gettext_noop("The z-scores of the baseline do not vary (σ_z = 0), so Laney P′ limits are undefined."),
    gettext_noop("Only one measurement since the change: too few to test for a change."),
    gettext_noop("The measurements do not vary at all, so the test is undefined."),
    gettext_noop(
        "The baseline window has fewer than two measurements: the values since the change are tested "
        "against the baseline value {baseline} (one-sample t-test)."
    ),
    gettext_noop(
        "{variant} has {k} clusters (fewer than {limit}): the cluster-robust interval is rough; treat "
        "the result as indicative."
    ),
    gettext_noop("{variant} has fewer than 2 clusters with users: its variance cannot be estimated."),
    gettext_noop("{variant} has no users."),
    gettext_noop(
        "Every cluster of both arms has exactly its arm's rate, so the variance is 0: no interval or p-value."
    ),
    gettext_noop("The control's rate is 0: the relative effect is undefined."),
    gettext_noop(
        "{variant} vs {control}: an arm has fewer than 2 users, so the CUPED adjustment is undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: the pre-period values (or the values) do not vary, so θ = 0 and CUPED "
        "leaves the effect unadjusted."
    ),
    gettext_noop(
        "{variant} vs {control}: the adjusted variance is zero, so the CUPED interval and p-value are "
        "undefined."
    ),
    gettext_noop("{cell} has no values: the difference in differences needs all four."),
    gettext_noop("{cell} has fewer than 2 values: its variance cannot be estimated."),
    gettext_noop(
        "Fewer than 2 pilot or 2 control sites: the interval treats each period as independent, which "
        "is too narrow when periods are correlated; read it as indicative."
    ),
    gettext_noop("The values do not vary within any cell: the variance is 0, so no interval or p-value."),
    gettext_noop("Only {sites} sites: the site-clustered interval is rough."),
    gettext_noop(
        "{variant} vs {control}: an arm has a single user, so the variance, intervals, p-value, chance "
        "to beat control and risk are undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: zero variance under the null hypothesis (every user in both arms has "
        "the same value), so the p-value is undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: zero variance in both arms, so the intervals, chance to beat control "
        "and risk are undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: the control's {measure} is zero, so the relative effect, its interval, "
        "chance to beat control and risk are undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: the delta-method variance of the relative effect is zero, so its "
        "interval, chance to beat control and risk are undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: an expected cell of the 2×2 table is below 5, so the p-value is "
        "Fisher's exact test instead of the z-test."
    ),
    gettext_noop("{variant} has no users yet, so its {measure} is undefined."),
    gettext_noop("{variant} has a single user, so its standard deviation (n − 1) is undefined."),
    gettext_noop("{variant} vs {control}: an arm has no users, so the comparison is undefined."),
    gettext_noop(
        "No minimum detectable effect is set, so power at the MDE and required users are undefined."
    ),
    gettext_noop(
        "{variant} vs {control}: the control's standard deviation is undefined or zero, so power at the "
        "MDE and required users are undefined."
    ),
    gettext_noop("{variant} vs {control}: {reason}"),
    gettext_noop("No users yet, so the sample-ratio mismatch test is undefined."),
    gettext_noop(
        "The allocation weights are too uneven for the sample-ratio mismatch test (an expected count is "
        "0 or infinite in floating point), so it is undefined."
    ),
    gettext_noop(
        "The omnibus test is undefined: every user converted, or none did, so the table has an empty column."
    ),
    gettext_noop("An expected cell of the omnibus χ² table is below 5, so its p-value is approximate."),
    gettext_noop(
        "The omnibus test is undefined: Welch's ANOVA needs at least 2 users and a non-zero variance in "
        "every arm."
    ),
    gettext_noop(
        "The baseline values are too large for floating point (their mean or moving range is infinite), "
        "so the centre line and limits are undefined and no point is judged."
    ),
    gettext_noop(
        "The baseline points are all equal, so the limits sit on the centre line and every point off it "
        "signals."
    ),
)

# A placeholder of ``str.format``: a name, an optional conversion and format spec.
_FIELD = re.compile(r"\{(\w+)(![rsa])?(:[^{}]*)?\}")


def _pattern(template: str) -> re.Pattern:
    """A regex matching what ``template.format(...)`` can make, each value captured by its name."""
    parts, named, position = [], set(), 0
    for field in _FIELD.finditer(template):
        parts.append(re.escape(template[position : field.start()]))
        name = field.group(1)
        parts.append(f"(?P={name})" if name in named else f"(?P<{name}>.+?)")
        named.add(name)
        position = field.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


# Templates with more fixed text first, so that "pre-period {detail}" is tried after the others.
_PATTERNS = sorted(
    ((template, _pattern(template)) for template in (*TEMPLATES, *WARNINGS)),
    key=lambda pair: -len(_FIELD.sub("", pair[0])),
)


def stats_text(text: str) -> str:
    """``text`` (a sentence ``kpis.stats`` made) in the active language; other text as it is."""
    for template, pattern in _PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        values = {name: stats_text(value) for name, value in found.groupdict().items()}
        return _FIELD.sub(lambda field, values=values: values[field.group(1)], gettext(template))
    return text


def stats_message(error: BaseException) -> str:
    """The message of an error raised by ``kpis.stats``, in the active language."""
    return stats_text(str(error))


# The chart's reason (``kpis.stats.attribute.chart_choice``, which imports no Django) in the reader's
# language; the API answers it in English, as computed.
_REASONS = {
    ac.WHY_SET: gettext_noop("the KPI (or the request) asks for it"),
    ac.WHY_PLAIN: gettext_noop("the KPI is a plain measure, not a rate or a count per unit"),
    ac.WHY_NO_SIZES: gettext_noop("some periods carry no sample size"),
    ac.WHY_U: gettext_noop("the KPI is a count with a number of units for every period"),
}
_REASON_LANEY = gettext_noop(
    "σ_z = {sigma_z} > {threshold}: the periods are so large that p-chart limits would be too tight "
    "for the real period-to-period variation"
)
_REASON_P = gettext_noop(
    "the KPI is a rate with a sample size for every period (σ_z = {sigma_z} ≤ {threshold})"
)
_LANEY_NUMBERS = re.compile(r"^σ_z = (\S+) > (\S+): ")
_P_NUMBERS = re.compile(r"\(σ_z = (\S+) ≤ (\S+)\)$")


def chart_reason_display(why: str) -> str:
    """``why`` as ``chart_choice`` wrote it, in the active language (as written when not recognised)."""
    if why in _REASONS:
        return gettext(_REASONS[why])
    for numbers, template in ((_LANEY_NUMBERS, _REASON_LANEY), (_P_NUMBERS, _REASON_P)):
        found = numbers.search(why)
        if found is not None:
            return gettext(template).format(sigma_z=found[1], threshold=found[2])
    return why

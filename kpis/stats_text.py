"""The messages of ``kpis.stats`` (which imports no Django) in the reader's language.

The statistics raise ``ValueError`` with an English sentence made from one of these templates; the
services turn it into a field error. ``stats_message`` finds the template a sentence was made from
(each placeholder matches any text), translates the template and puts the same values back. A
template added to ``kpis.stats`` must be added here (tests/i18n checks that every one is).
"""

import re

from django.utils.translation import gettext, gettext_noop

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
    ((template, _pattern(template)) for template in TEMPLATES),
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

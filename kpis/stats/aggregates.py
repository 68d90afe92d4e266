"""Per-variant totals: validated aggregates and the vectorised fold of raw observations.

An experiment's data are sufficient statistics per variant: ``users`` and ``conversions`` for a
proportion, ``users``, ``sum`` and ``sum_squares`` for a mean. Raw ``(variant, value)`` rows are
folded into the same totals chunk by chunk, so a million rows never become a million objects.
"""

import math
import sys
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np

from kpis.stats.common import MSG_NOT_FINITE, finite

MSG_COUNT = "{name} must be a whole number of at least 0, not {value!r}."
MSG_CONVERSIONS_EXCEED_USERS = "conversions ({conversions}) cannot exceed users ({users})."
MSG_EMPTY_WITH_TOTALS = "A variant with no users must have sum and sum_squares of 0."
MSG_SUM_SQUARES_TOO_SMALL = (
    "sum_squares ({sum_squares}) is too small for sum ({sum}) over {users} users: "
    "it must be at least sum² / users."
)
MSG_PRE_VALUES = "Every row needs its pre-period value (pre_value)."
MSG_LENGTHS = "labels and values differ in length ({labels} and {values})."
MSG_VALUE_NOT_FINITE = "Every value must be a finite number; row {row} is {value!r}."
MSG_NOT_BINARY = "A proportion's values must be 0 or 1; row {row} is {value!r}."
MSG_TOO_MANY_VARIANTS = "More than {limit} distinct variants in the observations."
MSG_VALUE_TOO_LARGE = "Every value must lie between -1e100 and 1e100; row {row} is {value!r}."
MSG_TOTAL_TOO_LARGE = "{name} must lie between -{limit:g} and {limit:g}, not {value!r}."
MSG_SQUARES_TOO_LARGE = "{name} must lie between 0 and {limit:g}, not {value!r}."
EXACT_DIGITS = 120
MSG_SD_NEGATIVE = "A standard deviation cannot be negative."
MSG_SD_FEW_USERS = "A standard deviation needs at least 2 users (it divides by users − 1)."
MSG_MEAN_TOO_LARGE = "The mean must lie between -1e100 and 1e100."
MSG_PRE_FIELD = "pre-period {detail}"
MSG_SUM_PRODUCT_RANGE = "sum_product must lie between -{limit:g} and {limit:g}, not {value!r}."
MSG_SUM_PRODUCT_INCONSISTENT = (
    "sum_product ({value}) is inconsistent with the other totals: the covariance it implies is larger "
    "than the product of the standard deviations."
)
MSG_EMPTY_WITH_PRODUCT = "A variant with no users must have sum_product of 0."
# As for sum_squares: a relative excess this small is rounding of floating-point totals.
COVARIANCE_REL_TOLERANCE = 1e-8

# Totals summed in floating point can put sum_squares a hair under sum²/users when every value is
# equal; a relative shortfall this small is rounding, anything larger is inconsistent input.
SUM_SQUARES_REL_TOLERANCE = 1e-8
# Squares of values below ~1e-154 underflow to (near) zero; a shortfall under the smallest normal
# double is that underflow, not inconsistent input.
SUM_SQUARES_ABS_TOLERANCE = sys.float_info.min
# The largest magnitudes accepted (docs/statistics.md): a value's square, a sum's square and users ×
# sum_squares (users < 2⁶³) all stay finite doubles, so no derived number silently becomes infinite.
MAX_ABS_VALUE = 1e100
MAX_ABS_SUM = 1e120
MAX_SUM_SQUARES = 1e240
# Variants are found by one vectorised comparison each, which is fast for the handful an experiment
# has; a label column with more distinct values than this is not a variant column.
MAX_VARIANTS = 50


def whole_count(value: object, *, name: str) -> int:
    """The value as a non-negative int; 12.0 is accepted, 12.5, -1, True, NaN and "12" are not."""
    if isinstance(value, bool | str | bytes) or value is None:
        raise ValueError(MSG_COUNT.format(name=name, value=value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(MSG_COUNT.format(name=name, value=value)) from None
    if not math.isfinite(number) or number < 0 or not number.is_integer():
        raise ValueError(MSG_COUNT.format(name=name, value=value))
    return int(value) if isinstance(value, int | np.integer) else int(number)


def bounded_total(value: object, *, name: str) -> float:
    """``sum`` (|x| ≤ MAX_ABS_SUM) or ``sum_squares`` (0 ≤ x ≤ MAX_SUM_SQUARES) as a float, or ValueError."""
    number = finite(value, name=name)
    if name.endswith("sum_squares"):
        if number > MAX_SUM_SQUARES:
            raise ValueError(MSG_SQUARES_TOO_LARGE.format(name=name, limit=MAX_SUM_SQUARES, value=number))
    elif abs(number) > MAX_ABS_SUM:
        raise ValueError(MSG_TOTAL_TOO_LARGE.format(name=name, limit=MAX_ABS_SUM, value=number))
    return number


def bounded_product(value: object) -> float:
    """``sum_product`` (|x| ≤ MAX_SUM_SQUARES, as Cauchy–Schwarz bounds it by √(Σx²·Σy²)) or ValueError."""
    number = finite(value, name="sum_product")
    if abs(number) > MAX_SUM_SQUARES:
        raise ValueError(MSG_SUM_PRODUCT_RANGE.format(limit=MAX_SUM_SQUARES, value=number))
    return number


@dataclass(frozen=True)
class ProportionAggregate:
    """Users and how many of them converted. Invalid totals raise ValueError on construction."""

    users: int
    conversions: int

    def __post_init__(self):
        users = whole_count(self.users, name="users")
        conversions = whole_count(self.conversions, name="conversions")
        if conversions > users:
            raise ValueError(MSG_CONVERSIONS_EXCEED_USERS.format(conversions=conversions, users=users))
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "conversions", conversions)

    def __add__(self, other: "ProportionAggregate") -> "ProportionAggregate":
        return ProportionAggregate(self.users + other.users, self.conversions + other.conversions)


@dataclass(frozen=True)
class MeanAggregate:
    """Users, the sum of their values and the sum of squared values. Validated on construction."""

    users: int
    sum: float
    sum_squares: float

    def __post_init__(self):
        users = whole_count(self.users, name="users")
        total = bounded_total(self.sum, name="sum")
        squares = bounded_total(self.sum_squares, name="sum_squares")
        if users == 0 and (total != 0 or squares != 0):
            raise ValueError(MSG_EMPTY_WITH_TOTALS)
        # Cauchy–Schwarz: sum² ≤ users × sum_squares, i.e. a variance that is not negative.
        shortfall = total * total - users * squares
        if users and shortfall > SUM_SQUARES_REL_TOLERANCE * total * total + SUM_SQUARES_ABS_TOLERANCE:
            raise ValueError(MSG_SUM_SQUARES_TOO_SMALL.format(sum_squares=squares, sum=total, users=users))
        if squares < 0:
            raise ValueError(MSG_SUM_SQUARES_TOO_SMALL.format(sum_squares=squares, sum=total, users=users))
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "sum", total)
        object.__setattr__(self, "sum_squares", squares)

    def __add__(self, other: "MeanAggregate") -> "MeanAggregate":
        return MeanAggregate(
            self.users + other.users, self.sum + other.sum, self.sum_squares + other.sum_squares
        )


def centred_variance(total: float, squares: float, n: int) -> float:
    return max(squares - total * (total / n), 0.0) / (n - 1)


def centred_covariance(products: float, total_y: float, total_x: float, n: int) -> float:
    return (products - total_y * (total_x / n)) / (n - 1)


@dataclass(frozen=True)
class CupedAggregate:
    """One variant's experiment-period and pre-period totals. Validated on construction."""

    users: int
    sum: float
    sum_squares: float
    pre_sum: float
    pre_sum_squares: float
    sum_product: float

    def __post_init__(self):
        # The two periods are each a valid MeanAggregate (field-named errors come from there).
        post = MeanAggregate(self.users, self.sum, self.sum_squares)
        try:
            pre = MeanAggregate(
                post.users,
                bounded_total(self.pre_sum, name="pre_sum"),
                bounded_total(self.pre_sum_squares, name="pre_sum_squares"),
            )
        except ValueError as exc:
            raise ValueError(MSG_PRE_FIELD.format(detail=exc)) from None
        product = bounded_product(self.sum_product)
        if post.users == 0 and product != 0:
            raise ValueError(MSG_EMPTY_WITH_PRODUCT)
        if post.users >= 2:
            # Cauchy–Schwarz on the centred totals: |s_xy| ≤ s_y·s_x. Square roots taken separately
            # so that variances near 10²⁴⁰ do not overflow in the product.
            bound = math.sqrt(centred_variance(post.sum, post.sum_squares, post.users)) * math.sqrt(
                centred_variance(pre.sum, pre.sum_squares, pre.users)
            )
            excess = abs(centred_covariance(product, post.sum, pre.sum, post.users)) - bound
            if excess > COVARIANCE_REL_TOLERANCE * bound + 1e-300:
                raise ValueError(MSG_SUM_PRODUCT_INCONSISTENT.format(value=product))
        object.__setattr__(self, "users", post.users)
        for name, value in (
            ("sum", post.sum),
            ("sum_squares", post.sum_squares),
            ("pre_sum", pre.sum),
            ("pre_sum_squares", pre.sum_squares),
            ("sum_product", product),
        ):
            object.__setattr__(self, name, value)

    @property
    def post(self) -> MeanAggregate:
        return MeanAggregate(self.users, self.sum, self.sum_squares)

    def __add__(self, other: "CupedAggregate") -> "CupedAggregate":
        return CupedAggregate(
            self.users + other.users,
            self.sum + other.sum,
            self.sum_squares + other.sum_squares,
            self.pre_sum + other.pre_sum,
            self.pre_sum_squares + other.pre_sum_squares,
            self.sum_product + other.sum_product,
        )


def _exact(value: object, *, name: str) -> Decimal:
    """The decimal a person typed: a float is read back through its shortest repr (3.82, not
    3.8199999999999998401...), so the totals below are the exact ones, rounded once."""
    number = value if isinstance(value, Decimal) else Decimal(repr(finite(value, name=name)))
    if not number.is_finite():
        raise ValueError(MSG_NOT_FINITE.format(name=name, value=value))
    return number


def mean_aggregate_from_sd(users: object, mean: object, sd: object) -> MeanAggregate:
    """The totals of ``users`` values with this mean and sample standard deviation (n − 1).

    sum = n·mean and sum_squares = (n − 1)·sd² + n·mean², computed in exact decimal arithmetic
    and rounded to the nearest double once, so the read-out gives back the mean and sd typed in.
    Raises ValueError: sd < 0, fewer than 2 users, a non-finite number, totals out of bounds.
    """
    n = whole_count(users, name="users")
    m = _exact(mean, name="mean")
    s = _exact(sd, name="sd")
    if s < 0:
        raise ValueError(MSG_SD_NEGATIVE)
    if n < 2:
        raise ValueError(MSG_SD_FEW_USERS)
    if abs(m) > Decimal(MAX_ABS_VALUE):
        raise ValueError(MSG_MEAN_TOO_LARGE)
    # Enough digits that n·mean² is exact for any typed input; the only rounding is to float.
    with localcontext(prec=EXACT_DIGITS):
        total = n * m
        squares = (n - 1) * s * s + n * m * m
    return MeanAggregate(n, float(total), float(squares))


def _codes(labels: np.ndarray) -> tuple[list[Hashable], np.ndarray]:
    """Integer codes for the labels, keys in order of first appearance.

    One vectorised comparison per distinct label: about ten times faster than ``np.unique`` (a full
    sort of strings) for the two to four variants of an experiment.
    """
    codes = np.full(labels.shape[0], -1, dtype=np.intp)
    keys: list[Hashable] = []
    unassigned = np.ones(labels.shape[0], dtype=bool)
    while True:
        first = int(unassigned.argmax())
        if not unassigned[first]:
            return keys, codes
        if len(keys) == MAX_VARIANTS:
            raise ValueError(MSG_TOO_MANY_VARIANTS.format(limit=MAX_VARIANTS))
        key = labels[first]
        match = labels == key
        codes[match] = len(keys)
        unassigned &= ~match
        keys.append(key.item() if isinstance(key, np.generic) else key)


def _check_values(values: np.ndarray, *, binary: bool) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(bad.argmax())
        raise ValueError(MSG_VALUE_NOT_FINITE.format(row=row, value=float(values[row])))
    bad = np.abs(values) > MAX_ABS_VALUE
    if bad.any():
        row = int(bad.argmax())
        raise ValueError(MSG_VALUE_TOO_LARGE.format(row=row, value=float(values[row])))
    if binary:
        bad = (values != 0) & (values != 1)
        if bad.any():
            row = int(bad.argmax())
            raise ValueError(MSG_NOT_BINARY.format(row=row, value=float(values[row])))


class ObservationFold:
    """Running per-variant totals of raw observations, fed in chunks (streaming).

    ``binary=True`` folds 0/1 conversions into :class:`ProportionAggregate`; otherwise values fold
    into :class:`MeanAggregate`, or with ``pre=True`` (each row also has its pre-period value) into
    :class:`CupedAggregate`. A chunk with a bad value raises ValueError and leaves the totals
    unchanged.
    """

    def __init__(self, *, binary: bool = False, pre: bool = False):
        self.binary = binary
        self.pre = pre and not binary
        self._users: dict[Hashable, int] = {}
        # Per variant: Σy, Σy² (and with pre-period values Σx, Σx², Σxy).
        self._totals: dict[Hashable, np.ndarray] = {}

    def add(
        self,
        labels: Sequence[Hashable] | np.ndarray,
        values: Sequence[float] | np.ndarray,
        pre_values: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        labels = np.asarray(labels)
        values = np.asarray(values, dtype=float)
        if labels.shape[0] != values.shape[0]:
            raise ValueError(MSG_LENGTHS.format(labels=labels.shape[0], values=values.shape[0]))
        if self.pre:
            if pre_values is None:
                raise ValueError(MSG_PRE_VALUES)
            pre_values = np.asarray(pre_values, dtype=float)
            if pre_values.shape[0] != values.shape[0]:
                raise ValueError(MSG_LENGTHS.format(labels=labels.shape[0], values=pre_values.shape[0]))
        if labels.shape[0] == 0:
            return
        _check_values(values, binary=self.binary)
        weights = [values, values * values]
        if self.pre:
            _check_values(pre_values, binary=False)
            weights += [pre_values, pre_values * pre_values, values * pre_values]
        keys, codes = _codes(labels)
        users = np.bincount(codes, minlength=len(keys))
        totals = np.stack([np.bincount(codes, weights=weight, minlength=len(keys)) for weight in weights])
        for index, key in enumerate(keys):
            self._users[key] = self._users.get(key, 0) + int(users[index])
            self._totals[key] = self._totals.get(key, 0.0) + totals[:, index]

    def aggregates(self) -> dict[Hashable, ProportionAggregate | MeanAggregate | CupedAggregate]:
        if self.pre:
            return {
                key: CupedAggregate(self._users[key], *map(float, self._totals[key])) for key in self._users
            }
        self._sums = {key: float(totals[0]) for key, totals in self._totals.items()}
        self._squares = {key: float(totals[1]) for key, totals in self._totals.items()}
        if self.binary:
            # 0/1 values: the sum is an exact count (integers below 2**53 add exactly in floats).
            return {key: ProportionAggregate(self._users[key], round(self._sums[key])) for key in self._users}
        return {
            key: MeanAggregate(self._users[key], self._sums[key], self._squares[key]) for key in self._users
        }


def fold_observations(
    labels: Sequence[Hashable] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    *,
    binary: bool = False,
    pre_values: Sequence[float] | np.ndarray | None = None,
) -> dict[Hashable, ProportionAggregate | MeanAggregate | CupedAggregate]:
    """Per-variant aggregates of ``(label, value)`` rows, in one go (see ObservationFold for chunks).

    With ``pre_values`` (each row's pre-period value) a mean's rows fold into CupedAggregate."""
    fold = ObservationFold(binary=binary, pre=pre_values is not None)
    fold.add(labels, values, pre_values)
    return fold.aggregates()

"""The statistics of Check. Pure: numpy, scipy and statsmodels, no Django.

Modules, imported directly by their users:

- ``aggregates``: per-variant totals (validated) and the vectorised fold of raw observations;
- ``experiments``: the A/B(/n) read-out: variant summaries, SRM, Holm, power at the MDE, Bayesian read-out;
- ``effects``: one treatment against the control (z-test or Welch's t-test, intervals, relative effect);
- ``bayes`` and ``srm``: chance to beat control and risk; the sample-ratio mismatch test;
- ``sequential``, ``cuped`` and ``adjustments``: always-valid confidence sequences, the regression
  adjustment with pre-period data (CUPED), and both added to one comparison;
- ``power``: power, sample size and the experiment planner;
- ``beforeafter``: Check without an experiment (baseline window against the values since the change);
- ``spc``: XmR control charts and the Western Electric rules.

Every formula is written out, with its source, in ``docs/statistics.md``.
"""

# The KPI-target evaluation service imports this one name from the package itself.
from kpis.stats.beforeafter import before_after

__all__ = ["before_after"]

"""The statistics of Check. Pure: numpy, scipy and statsmodels, no Django.

Modules, imported directly by their users:

- ``aggregates``: per-variant totals (validated) and the vectorised fold of raw observations;
- ``experiments``: variant summaries, treatment-vs-control comparisons, SRM, Holm, Bayesian read-out;
- ``power``: power, sample size and the experiment planner;
- ``beforeafter``: Check without an experiment (baseline window against the values since the change);
- ``spc``: XmR control charts and the Western Electric rules.

Every formula is written out, with its source, in ``docs/statistics.md``.
"""

# The KPI-target evaluation service imports this one name from the package itself.
from kpis.stats.beforeafter import before_after

__all__ = ["before_after"]

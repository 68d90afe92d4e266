"""What kpis tells the apps built on it, which it must not import: they connect receivers.

``measurements_written`` is sent inside the writing transaction, ``series`` being the set of
(KPI id, segment) pairs whose measurements were added, changed or deleted; improvement keeps the
money derived from KPI values up to date with it.
"""

from django.dispatch import Signal

measurements_written = Signal()

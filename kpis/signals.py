"""What kpis tells the apps built on it, which it must not import: they connect receivers.

``measurements_written`` is sent inside the writing transaction with ``periods``: for each
(KPI id, segment) series whose measurements were added, changed or deleted, the latest period
written or deleted. improvement keeps the money derived from KPI values up to date with it (a
series' latest value can only have moved when that period is not older than the series' latest).
"""

from django.dispatch import Signal

measurements_written = Signal()

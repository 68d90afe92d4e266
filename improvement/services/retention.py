"""Records that only grow are pruned after a configurable age (days, from settings).

``PRUNERS`` is the one list of what is pruned: a model that needs pruning adds a row here, naming
its setting and a service that deletes in batches. Rows run in order (deliveries before events:
an event goes only once no delivery refers to it). A setting of 0 keeps those records forever.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.services import notification_prune_read
from common.outbox import outbox_prune_finished
from improvement.services.webhooks import webhook_deliveries_prune, webhook_events_prune


@dataclass(frozen=True)
class Pruner:
    name: str
    days_setting: str
    prune: Callable[..., int]  # (*, older_than: datetime, batch_size: int) -> rows deleted


PRUNERS: tuple[Pruner, ...] = (
    Pruner("webhook deliveries", "PDCA_RETAIN_WEBHOOK_DELIVERIES_DAYS", webhook_deliveries_prune),
    Pruner("webhook events", "PDCA_RETAIN_WEBHOOK_EVENTS_DAYS", webhook_events_prune),
    Pruner("read notifications", "PDCA_RETAIN_READ_NOTIFICATIONS_DAYS", notification_prune_read),
    Pruner("finished outbox jobs", "PDCA_RETAIN_OUTBOX_DAYS", outbox_prune_finished),
)


def records_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Run every pruner whose retention is on; return the rows deleted per pruner."""
    now = now or timezone.now()
    deleted = {}
    for pruner in PRUNERS:
        days = getattr(settings, pruner.days_setting)
        if days > 0:
            older_than = now - timedelta(days=days)
            deleted[pruner.name] = pruner.prune(
                older_than=older_than, batch_size=settings.PDCA_PRUNE_BATCH_SIZE
            )
    return deleted

"""The one way improvement services enqueue follow-up work: background tasks, after commit.

Tasks are thin wrappers that call services, so ``improvement.tasks`` imports the services; a
service importing its task module back would close an import cycle. Instead, this module names
each task by its registered Celery name and imports no task module, and nothing imports this
module except services: services → events → (Celery, by name) → tasks → services, with no
import in the chain pointing back.

Every function records its task in the transactional outbox (``common.outbox``): a row written in
the transaction of the change, published to the broker after commit or by the relay, so the task
runs exactly when the change committed, even if the broker was unreachable at the time.

The names resolve to the registered tasks because the task modules are imported at start-up
(``ImprovementConfig.ready``, and Celery's autodiscovery in a worker). With no broker, the task
runs in-process right after commit; a name that no task registers raises ``KeyError`` at once,
inside the request, instead of losing the work.

``kpis`` stays below ``improvement`` and enqueues its own task (``kpis.evaluate_alerts_for_series``) itself,
through the same outbox.
"""

from common.outbox import outbox_enqueue

NOTIFY_STAGE_CHANGED = "improvement.notify_stage_changed"
NOTIFY_TARGET_MET = "improvement.notify_target_met"
NOTIFY_KPI_ALERT = "improvement.notify_kpi_alert"
DELIVER_WEBHOOK = "improvement.deliver_webhook"
NOTIFY_SIGN_OFF = "improvement.notify_sign_off"
NOTIFY_MENTION = "improvement.notify_mention"
NOTIFY_IDEA = "improvement.notify_idea"


def _enqueue_on_commit(name: str, *args) -> None:
    outbox_enqueue(task=name, args=args)


def stage_changed(*, transition_id: int) -> None:
    """Tell the initiative's people about the move."""
    _enqueue_on_commit(NOTIFY_STAGE_CHANGED, transition_id)


def target_met(*, target_id: int, cycle: int) -> None:
    """Tell the initiative's people the target was met in ``cycle``."""
    _enqueue_on_commit(NOTIFY_TARGET_MET, target_id, cycle)


def kpi_alert_raised(*, alert_id: int) -> None:
    """Tell the leads of initiatives targeting the KPI."""
    _enqueue_on_commit(NOTIFY_KPI_ALERT, alert_id)


def webhook_delivery_created(*, delivery_id: int) -> None:
    """POST the event to the subscription (with retries)."""
    _enqueue_on_commit(DELIVER_WEBHOOK, delivery_id)


def sign_off_changed(*, request_id: int, version: int) -> None:
    """Tell the reviewers of a new request, or the requester of a decision."""
    _enqueue_on_commit(NOTIFY_SIGN_OFF, request_id, version)


def comment_mentioned(*, comment_id: int, user_ids: list[int]) -> None:
    """Tell the people a comment newly mentions."""
    _enqueue_on_commit(NOTIFY_MENTION, comment_id, user_ids)


def idea_changed(*, idea_id: int, version: int) -> None:
    """Tell the leads of a submitted idea, or its submitter of the decision."""
    _enqueue_on_commit(NOTIFY_IDEA, idea_id, version)

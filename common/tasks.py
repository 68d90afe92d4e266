"""Background jobs of the shared layer: the outbox relay."""

from celery import shared_task

from common.outbox import outbox_relay


# No retries: beat runs it again in a few seconds. It expires so a backlog of runs piled up while no
# worker listened collapses to the next one.
@shared_task(name="common.outbox_relay", ignore_result=True)
def relay_outbox() -> int:
    """Hand due outbox rows to the broker."""
    return outbox_relay()

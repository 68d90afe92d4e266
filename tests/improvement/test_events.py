"""``improvement.events``: follow-up work recorded in the outbox by task name, without an import cycle."""

import ast
from pathlib import Path

import pytest
from celery import current_app

from common.models import OutboxMessage, OutboxState
from improvement import events, tasks

ROOT = Path(__file__).resolve().parents[2]
EVENT_TASKS = [
    events.NOTIFY_STAGE_CHANGED,
    events.NOTIFY_TARGET_MET,
    events.NOTIFY_KPI_ALERT,
    events.DELIVER_WEBHOOK,
]


def _module_imports(path: Path) -> set[str]:
    """Every module an ``import`` anywhere in the file names (functions included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("name", EVENT_TASKS)
def test_every_event_names_a_registered_task(name):
    assert current_app.tasks[name].name == name


def test_events_imports_no_task_module_and_no_task_module_imports_events():
    assert not {"improvement.tasks", "kpis.tasks"} & _module_imports(ROOT / "improvement" / "events.py")
    for path in (ROOT / "improvement" / "tasks.py", ROOT / "kpis" / "tasks.py"):
        assert "improvement.events" not in _module_imports(path), path
    assert tasks.deliver_webhook.name == events.DELIVER_WEBHOOK


@pytest.mark.django_db
def test_the_task_is_recorded_in_the_change_and_runs_in_process_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events.kpi_alert_raised(alert_id=0)

    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.state) == (events.NOTIFY_KPI_ALERT, [0], OutboxState.PENDING)
    assert len(callbacks) == 1
    # With no broker the task runs in-process; an alert that is gone is a quiet no-op.
    callbacks[0]()
    message.refresh_from_db()
    assert message.state == OutboxState.DONE

"""The kinds of notification improvement sends, registered with accounts when the app is ready.

Keys are stored on every notification and mute, so a key never changes; a label may.
"""

from django.db import models

from accounts.notifications import notification_kind_register


class NotificationKind(models.TextChoices):
    MILESTONE_OVERDUE = "milestone_overdue", "Overdue milestone"
    MILESTONE_ESCALATION = "milestone_escalation", "Milestone a week or more late (to the lead)"
    STAGE_CHANGED = "stage_changed", "Stage changed"
    TARGET_MET = "target_met", "KPI target met"
    KPI_ALERT = "kpi_alert", "KPI alert"
    DIGEST = "digest", "Weekly digest"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook subscription disabled"


def notification_kinds_register() -> None:
    for kind in NotificationKind:
        notification_kind_register(key=kind.value, label=kind.label)

"""Ships the service KPIs the field uses. Codes are stable: integrations push measurements by code."""

from django.db import migrations

# code, name, unit, direction, kind, min, max, warning, critical, description
CATALOGUE = [
    ("first_response_time", "First response time", "seconds", "lower", "key", 0, None, None, None,
     "Time from a customer's first message to the first human or useful automated reply."),
    ("avg_response_time", "Average response time", "hours", "lower", "key", 0, None, None, None,
     "Mean time between a customer's message and the reply, over all replies in a conversation."),
    ("resolution_time", "Resolution time", "hours", "lower", "key", 0, None, None, None,
     "Time from the opening of a case to its resolution."),
    ("fcr_rate", "First-contact resolution rate", "percent", "higher", "key", 0, 100, None, None,
     "Share of cases resolved in the first contact, without follow-up or transfer."),
    ("csat", "Customer satisfaction (CSAT)", "percent", "higher", "key", 0, 100, None, None,
     "Share of 4–5 ratings on a 1–5 satisfaction scale."),
    ("nps", "Net Promoter Score", "score", "higher", "key", -100, 100, None, None,
     "% promoters (9–10) minus % detractors (0–6) on the 0–10 recommendation question."),
    ("ces", "Customer effort score", "score", "lower", "adjusting", 1, 7, None, None,
     "Mean answer to 'how easy was it to get your issue handled' on a 1–7 scale, 1 = very easy."),
    ("task_completion_rate", "Task completion rate", "percent", "higher", "key", 0, 100, None, None,
     "Share of started self-service tasks (payments, forms, claims) that are completed."),
    ("churn_rate", "Churn rate", "percent", "lower", "warning", 0, 100, 5, 8,
     "Share of customers lost in the period."),
    ("repeat_purchase_rate", "Repeat-purchase rate", "percent", "higher", "key", 0, 100, None, None,
     "Share of customers who buy again within the period."),
    ("complaint_rate", "Complaint rate", "percent", "lower", "warning", 0, 100, 3, 4,
     "Formal complaints per 100 customer contacts."),
    ("self_service_resolution_rate", "Self-service resolution rate", "percent", "higher", "key", 0, 100,
     None, None, "Share of customer questions resolved by self-service without an agent."),
    ("transfer_rate", "Transfer rate", "percent", "lower", "warning", 0, 100, 20, 30,
     "Share of contacts transferred to another agent or queue."),
    ("average_handle_time", "Average handle time", "minutes", "lower", "adjusting", 0, None, None, None,
     "Mean agent time per contact: talk or chat time plus after-contact work."),
    ("conversation_volume", "Conversation volume", "count", "lower", "adjusting", 0, None, None, None,
     "Number of customer conversations handled in the period."),
    ("activation_rate", "Activation rate", "percent", "higher", "key", 0, 100, None, None,
     "Share of newly opened accounts that are activated."),
    ("task_time", "Task completion time", "minutes", "lower", "adjusting", 0, None, None, None,
     "Median time a customer needs to complete a self-service task."),
    ("satisfaction_score", "Satisfaction score", "score", "higher", "key", 1, 5, None, None,
     "Mean satisfaction rating on a 1–5 scale."),
    ("service_level", "Service level (answered within 60 s)", "percent", "higher", "key", 0, 100, None, None,
     "Share of calls or chats answered within the target time."),
    ("knowledge_coverage", "Knowledge-base coverage", "percent", "higher", "adjusting", 0, 100, None, None,
     "Share of contact reasons covered by a published help article."),
]


def _defaults(row) -> dict:
    code, name, unit, direction, kind, low, high, warning, critical, description = row
    return dict(
        name=name, unit=unit, direction=direction, kind=kind, min_value=low, max_value=high,
        warning_threshold=warning, critical_threshold=critical, description=description,
    )


def load(apps, schema_editor):
    # Only the missing ones: a KPI kept by ``unload`` (it carries data) keeps its own settings.
    Kpi = apps.get_model("kpis", "Kpi")
    for row in CATALOGUE:
        Kpi.objects.get_or_create(code=row[0], defaults=_defaults(row))


def unload(apps, schema_editor):
    """Take back only the catalogue KPIs exactly as shipped and used by nothing; a KPI with
    measurements, targets, alerts or experiments, or one edited since, is data and stays."""
    Kpi = apps.get_model("kpis", "Kpi")
    # Every reverse relation, hidden ones (history rows) included.
    related = [f for f in Kpi._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]
    for row in CATALOGUE:
        kpi = Kpi.objects.filter(code=row[0], **_defaults(row)).first()
        if kpi is None:
            continue
        used = any(rel.related_model._base_manager.filter(**{rel.field.name: kpi}).exists() for rel in related)
        if not used:
            kpi.delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

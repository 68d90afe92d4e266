"""The shipped KPI catalogue's names and descriptions, translatable where they are shown.

``kpis/migrations/0002_kpi_catalogue.py`` stores them in English; a KPI still named (or described)
exactly as shipped is shown in the reader's language, one renamed by its organisation is shown as
typed. The texts below must stay identical to the migration's.
"""

from django.utils.translation import gettext, gettext_noop

NAMES = frozenset(
    {
        gettext_noop("First response time"),
        gettext_noop("Average response time"),
        gettext_noop("Resolution time"),
        gettext_noop("First-contact resolution rate"),
        gettext_noop("Customer satisfaction (CSAT)"),
        gettext_noop("Net Promoter Score"),
        gettext_noop("Customer effort score"),
        gettext_noop("Task completion rate"),
        gettext_noop("Churn rate"),
        gettext_noop("Repeat-purchase rate"),
        gettext_noop("Complaint rate"),
        gettext_noop("Self-service resolution rate"),
        gettext_noop("Transfer rate"),
        gettext_noop("Average handle time"),
        gettext_noop("Conversation volume"),
        gettext_noop("Activation rate"),
        gettext_noop("Task completion time"),
        gettext_noop("Satisfaction score"),
        gettext_noop("Service level (answered within 60 s)"),
        gettext_noop("Knowledge-base coverage"),
    }
)

DESCRIPTIONS = frozenset(
    {
        gettext_noop("Time from a customer's first message to the first human or useful automated reply."),
        gettext_noop(
            "Mean time between a customer's message and the reply, over all replies in a conversation."
        ),
        gettext_noop("Time from the opening of a case to its resolution."),
        gettext_noop("Share of cases resolved in the first contact, without follow-up or transfer."),
        gettext_noop("Share of 4–5 ratings on a 1–5 satisfaction scale."),
        gettext_noop("% promoters (9–10) minus % detractors (0–6) on the 0–10 recommendation question."),
        gettext_noop(
            "Mean answer to 'how easy was it to get your issue handled' on a 1–7 scale, 1 = very easy."
        ),
        gettext_noop("Share of started self-service tasks (payments, forms, claims) that are completed."),
        gettext_noop("Share of customers lost in the period."),
        gettext_noop("Share of customers who buy again within the period."),
        gettext_noop("Formal complaints per 100 customer contacts."),
        gettext_noop("Share of customer questions resolved by self-service without an agent."),
        gettext_noop("Share of contacts transferred to another agent or queue."),
        gettext_noop("Mean agent time per contact: talk or chat time plus after-contact work."),
        gettext_noop("Number of customer conversations handled in the period."),
        gettext_noop("Share of newly opened accounts that are activated."),
        gettext_noop("Median time a customer needs to complete a self-service task."),
        gettext_noop("Mean satisfaction rating on a 1–5 scale."),
        gettext_noop("Share of calls or chats answered within the target time."),
        gettext_noop("Share of contact reasons covered by a published help article."),
    }
)


def display_name(name: str) -> str:
    """A KPI's name in the active language when it is a catalogue name, else as stored."""
    return gettext(name) if name in NAMES else name


def display_description(description: str) -> str:
    """A KPI's description in the active language when it is a catalogue one, else as stored."""
    return gettext(description) if description in DESCRIPTIONS else description

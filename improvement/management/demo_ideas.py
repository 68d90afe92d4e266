"""The demo's ideas, built through the idea services: some waiting for triage, one accepted into a
Plan-stage initiative, one declined with a reason, one merged as a duplicate, and — when the demo's
measurements raised a KPI alert — a draft started from it."""

import datetime as dt

from accounts.models import Team, User
from improvement.management.demo_people import CLAIMS, CUSTOMER_CARE, DIGITAL_CHANNELS
from improvement.models import BreakpointType, Idea
from improvement.services.idea_signals import idea_draft_from_alert
from improvement.services.ideas import idea_accept, idea_create, idea_decline, idea_merge
from kpis.models import Kpi, KpiAlert

DECLINE_REASON = (
    "Claims photos already arrive through the app's upload; the backlog is in assessment, not intake. "
    "Resubmit with the assessment queue's numbers."
)


def load_demo_ideas(*, users: dict[str, User], teams: dict[str, Team], today: dt.date) -> list[Idea]:
    kpis = {
        kpi.code: kpi for kpi in Kpi.objects.active().filter(code__in=["fcr_rate", "csat", "complaint_rate"])
    }
    contributor, viewer, lead, lead2 = users["contributor"], users["viewer"], users["lead"], users["lead2"]
    waiting = idea_create(
        actor=viewer,
        title="Show the expected wait in the chat widget",
        problem="Customers abandon chats after two minutes without knowing how long the queue is.",
        kpi=kpis.get("csat"),
        segment="chat",
        breakpoint_type=BreakpointType.INTERACTION,
        team=teams[DIGITAL_CHANNELS],
        value=4,
        difficulty=2,
    )
    duplicate = idea_create(
        actor=contributor,
        title="Tell chat customers their place in the queue",
        problem="Same complaint every week: nobody knows whether to wait.",
        breakpoint_type=BreakpointType.INTERACTION,
        team=teams[DIGITAL_CHANNELS],
        value=3,
        difficulty=2,
    )
    idea_merge(actor=lead, idea=duplicate, into=waiting)
    accepted = idea_create(
        actor=contributor,
        title="Route billing calls straight to billing agents",
        problem="A third of billing calls are transferred at least once before they are resolved.",
        kpi=kpis.get("fcr_rate"),
        segment="phone",
        breakpoint_type=BreakpointType.PROCESS,
        team=teams[CUSTOMER_CARE],
        value=4,
        difficulty=3,
        current_value=68,
        target_value=78,
        unit_value="1.20",
        monthly_volume=9000,
    )
    idea_accept(actor=lead, idea=accepted, start_date=today)
    declined = idea_create(
        actor=contributor,
        title="Let customers upload claim photos by e-mail",
        problem="Claims wait for photos sent by post.",
        breakpoint_type=BreakpointType.TECHNICAL,
        team=teams[CLAIMS],
        value=2,
        difficulty=4,
    )
    idea_decline(actor=lead2, idea=declined, reason=DECLINE_REASON)
    made = [waiting, duplicate, accepted, declined]
    made.append(
        idea_create(
            actor=viewer,
            title="Plain-language complaint acknowledgement letters",
            problem="Complaint letters quote policy clauses; customers call back to ask what they mean.",
            kpi=kpis.get("complaint_rate"),
            breakpoint_type=BreakpointType.INTERACTION,
            value=3,
            difficulty=1,
        )
    )
    alert = KpiAlert.objects.select_related("kpi").order_by("-period", "-id").first()
    if alert is not None:
        made.append(idea_draft_from_alert(actor=lead, alert=alert))
    return made

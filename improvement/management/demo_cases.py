"""The demo portfolio: people, teams and ten initiatives drawn from real service-improvement cases.

Pure data, read by ``manage.py load_demo``, which builds it through the services. Days count from
today (or from an initiative's start), so the demo always looks current. The initiatives cover every
PDCA stage: Plan, Do, Check, Act, standardised after Act, and a second cycle after "adapt".
"""

from dataclasses import dataclass, field

from accounts.models import Role
from improvement.models import (
    BenefitKind,
    BenefitNature,
    BreakpointType,
    Category,
    CostKind,
    Decision,
    ExperimentDecision,
    Health,
    MetricType,
    MilestoneStatus,
    Stage,
)

DEMO_PASSWORD = "demo-pass-2026"

CUSTOMER_CARE = "Customer Care"
DIGITAL_CHANNELS = "Digital Channels"
CLAIMS = "Claims"
RETAIL_BANKING = "Retail Banking"
TEAMS = {
    CUSTOMER_CARE: "Phone, chat, email and social support for consumer customers.",
    DIGITAL_CHANNELS: "The mobile app, web self-service and the help centre.",
    CLAIMS: "Insurance claims intake, the claims hotline and document handling.",
    RETAIL_BANKING: "Retail banking products, the banking app and its contact centre.",
}


@dataclass(frozen=True)
class DemoUser:
    key: str
    email: str
    full_name: str
    role: str
    teams: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin", "admin@demo.pdca", "Sam Keller", Role.ADMIN),
    DemoUser("executive", "executive@demo.pdca", "Helen Park", Role.EXECUTIVE),
    DemoUser("lead", "lead@demo.pdca", "Lena Ortiz", Role.LEAD, (CUSTOMER_CARE, DIGITAL_CHANNELS)),
    DemoUser("lead2", "lead2@demo.pdca", "Marco Weiss", Role.LEAD, (CLAIMS, RETAIL_BANKING)),
    DemoUser("contributor", "contributor@demo.pdca", "Priya Nair", Role.CONTRIBUTOR, (CUSTOMER_CARE, CLAIMS)),
    DemoUser("viewer", "viewer@demo.pdca", "Tom Becker", Role.VIEWER, (DIGITAL_CHANNELS,)),
    DemoUser("finance", "finance@demo.pdca", "Grace Liu", Role.FINANCE),
)
DEMO_ADMIN_EMAIL = DEMO_USERS[0].email


@dataclass(frozen=True)
class TargetSpec:
    kpi: str
    segment: str
    baseline: float
    target: float
    # Where the latest measurement has got to.
    reached: float
    is_primary: bool = True
    unit_value_per_month: str | None = None
    sample_size: int | None = None
    # Days after the start by which the KPI reaches ``reached`` and holds; None: at the latest period.
    ramp_days: int | None = None


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    # Day 1 is the (cycle) start date, as in the standard plan.
    day: int
    status: str = MilestoneStatus.PLANNED
    owner: str = ""  # a demo user key; "" is the initiative's lead
    acceptance_criteria: str = ""


@dataclass(frozen=True)
class UpdateSpec:
    days_ago: int
    health: str
    narrative: str


@dataclass(frozen=True)
class CostSpec:
    kind: str
    description: str
    amount: str
    start_month: int = 1


@dataclass(frozen=True)
class BenefitSpec:
    kind: str
    nature: str
    description: str
    monthly_amount: str
    start_month: int = 1
    validated: bool = False


@dataclass(frozen=True)
class NextCycleSpec:
    """What the lead plans after an Act decision to adapt; days count from the new cycle's start."""

    smart_goal: str
    milestones: tuple[MilestoneSpec, ...]
    length_days: int


@dataclass(frozen=True)
class VariantSpec:
    key: str
    name: str
    users: int
    # A proportion's conversions, or a mean's average and standard deviation per user.
    conversions: int = 0
    mean: float = 0.0
    sd: float = 0.0
    weight: float = 1.0
    is_control: bool = False


@dataclass(frozen=True)
class GuardrailSpec:
    """A guardrail KPI's settings and per-variant totals (the variants' keys match the experiment's)."""

    kpi: str
    metric_type: str
    tolerance: float
    variants: tuple[VariantSpec, ...]


@dataclass(frozen=True)
class ExperimentSpec:
    """An A/B test run while the initiative is in Do; its totals arrive as per-variant aggregates."""

    name: str
    hypothesis: str
    kpi: str
    metric_type: str
    variants: tuple[VariantSpec, ...]
    mde: float
    guardrails: tuple[str, ...] = ()
    guardrail_data: tuple[GuardrailSpec, ...] = ()
    # Concluded with this decision; "" leaves the experiment running.
    decision: str = ""
    decision_note: str = ""


@dataclass(frozen=True)
class InitiativeSpec:
    title: str
    team: str
    lead: str
    category: str
    breakpoint_type: str
    impact: int
    effort: int
    problem_statement: str
    # "{end}" is replaced by the target end date.
    smart_goal: str
    scope: str
    start_days_ago: int
    length_days: int
    # The stage the initiative is walked to, through every gate on the way.
    stage: str
    source: str
    targets: tuple[TargetSpec, ...]
    updates: tuple[UpdateSpec, ...]
    weekly: bool = False
    standard_plan: bool = False
    # Standard-plan milestones due on or before this day are done; the rest stay as they are.
    plan_done_through: int = 0
    # Standard-plan milestones handed to another owner, or left in another state, by title.
    plan_changes: dict[str, MilestoneSpec] = field(default_factory=dict)
    milestones: tuple[MilestoneSpec, ...] = ()
    # Evaluate the primary targets while still in Check (they always are before moving to Act).
    evaluate_in_check: bool = False
    # Reached Check, then stepped back to Do with this reason.
    back_to_do_reason: str = ""
    decision: str = ""
    decision_note: str = ""
    next_cycle: NextCycleSpec | None = None
    costs: tuple[CostSpec, ...] = ()
    benefits: tuple[BenefitSpec, ...] = ()
    experiments: tuple[ExperimentSpec, ...] = ()
    # Demo user keys; a contributor who is a member records the measurements after the start.
    members: tuple[str, ...] = ("contributor",)


def _done(title: str, day: int, owner: str = "", criteria: str = "") -> MilestoneSpec:
    return MilestoneSpec(title, day, MilestoneStatus.DONE, owner, criteria)


INITIATIVES = (
    InitiativeSpec(
        title="Chat first response under 30 seconds",
        team=CUSTOMER_CARE,
        lead="lead",
        category=Category.RESPONSE_SPEED,
        breakpoint_type=BreakpointType.INTERACTION,
        impact=4,
        effort=2,
        problem_statement=(
            "Chat customers waited 95 s on average for a first reply and one in three left before an "
            "agent answered; on the phone only 62% of calls were answered within 60 s. Abandoned chats "
            "came back as phone calls, feeding the queue."
        ),
        smart_goal=(
            "Cut the chat first response time from 95 s to under 30 s and answer 80% of calls within "
            "60 s, on every consumer chat and phone queue, by {end}."
        ),
        scope="Consumer chat and phone queues, weekdays and Saturdays. Business accounts are out of scope.",
        start_days_ago=182,
        length_days=120,
        stage=Stage.ACT,
        source="contact-centre-platform",
        weekly=True,
        targets=(
            TargetSpec("first_response_time", "chat", 95, 30, 24, sample_size=2400, ramp_days=100),
            TargetSpec("service_level", "phone", 62, 80, 83, sample_size=5200, ramp_days=110),
        ),
        milestones=(
            _done("Map first-response delays by queue and hour", 10),
            _done("Greeting bot and canned replies for the ten top intents", 30, "contributor"),
            _done("Peak-hour staffing: two part-time agents on chat", 45),
            _done("Callback offer when the phone wait passes 60 s", 70, "contributor"),
            _done("Weekly first-response review in the team huddle", 90),
            _done("Write the chat response standard into the playbook", 120),
        ),
        experiments=(
            ExperimentSpec(
                name="Greeting bot on chat",
                hypothesis=(
                    "Greeting every chat with the bot, which asks for the order number and the topic before "
                    "an agent joins, lets agents resolve more chats at first contact."
                ),
                kpi="fcr_rate",
                metric_type=MetricType.PROPORTION,
                mde=0.03,
                guardrails=("csat",),
                guardrail_data=(
                    GuardrailSpec(
                        "csat",
                        MetricType.PROPORTION,
                        0.02,
                        (
                            VariantSpec("control", "Agent greets", 8012, conversions=6330),
                            VariantSpec("greeting-bot", "Greeting bot", 7988, conversions=6295),
                        ),
                    ),
                ),
                variants=(
                    VariantSpec("control", "Agent greets", 8012, conversions=5609, is_control=True),
                    VariantSpec("greeting-bot", "Greeting bot", 7988, conversions=5783),
                ),
                decision=ExperimentDecision.SHIP,
                decision_note=(
                    "First-contact resolution 72.4% with the bot against 70.0% (+3.4% relative, p < 0.01); "
                    "CSAT unchanged. The bot greets every chat from now on."
                ),
            ),
        ),
        decision=Decision.STANDARDISE,
        decision_note=(
            "First response 24 s and 83% of calls answered within 60 s for the last eight weeks; the "
            "response standard is in the playbook."
        ),
        costs=(
            CostSpec(
                CostKind.ONE_TIME, "Chat routing rules, canned-reply library and agent training", "18000"
            ),
            CostSpec(CostKind.RECURRING, "Peak-hour chat cover (two part-time agents)", "1500", 2),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING,
                BenefitNature.HARD,
                "Fewer abandoned chats calling back by phone",
                "4200",
                2,
                validated=True,
            ),
            BenefitSpec(
                BenefitKind.REVENUE,
                BenefitNature.SOFT,
                "Chat-assisted sales no longer lost to waiting",
                "2000",
                3,
            ),
        ),
        updates=(
            UpdateSpec(
                150, Health.ON_TRACK, "Greeting bot live on the top ten intents; first response at 61 s."
            ),
            UpdateSpec(
                110, Health.AT_RISK, "Monday peaks still breach 60 s on the phone; callback offer pending."
            ),
            UpdateSpec(
                75, Health.ON_TRACK, "Callback offer live. Chat first response 31 s, service level 79%."
            ),
            UpdateSpec(40, Health.ON_TRACK, "Standardised: 24 s first response, 83% of calls within 60 s."),
        ),
    ),
    InitiativeSpec(
        title="Simplify the app bill-payment flow",
        team=DIGITAL_CHANNELS,
        lead="lead",
        category=Category.PROCESS_SIMPLIFICATION,
        breakpoint_type=BreakpointType.PROCESS,
        impact=4,
        effort=3,
        problem_statement=(
            "22% of customers who start a bill payment in the app give up. Usability tests show five "
            "screens, a payee reference typed twice and an unclear confirmation; the median payment "
            "takes 2.6 minutes and the failures end up as assisted payments on the phone."
        ),
        smart_goal=(
            "Raise bill-payment task completion in the app from 78% to 92% and cut the median payment "
            "time from 2.6 to 1.5 minutes by {end}."
        ),
        scope="iOS and Android bill payment for saved and new payees; web banking follows later.",
        start_days_ago=165,
        length_days=150,
        stage=Stage.ACT,
        source="app-analytics",
        targets=(
            TargetSpec("task_completion_rate", "app: bill payment", 78, 92, 89, sample_size=41000),
            TargetSpec("task_time", "app: bill payment", 2.6, 1.5, 1.2, sample_size=41000, ramp_days=80),
        ),
        standard_plan=True,
        plan_done_through=84,
        plan_changes={
            "Collect feedback data": _done("Collect feedback data", 42, "contributor"),
            "Continuous-improvement plan": MilestoneSpec(
                "Continuous-improvement plan", 90, MilestoneStatus.IN_PROGRESS
            ),
        },
        costs=(
            CostSpec(CostKind.ONE_TIME, "UX redesign and two development sprints", "65000"),
            CostSpec(CostKind.RECURRING, "Product analytics licence", "800"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING,
                BenefitNature.HARD,
                "Fewer assisted payments on the phone",
                "9500",
                3,
                validated=True,
            ),
            BenefitSpec(
                BenefitKind.COST_AVOIDANCE, BenefitNature.SOFT, "Fewer late-payment fee disputes", "2500", 3
            ),
        ),
        updates=(
            UpdateSpec(
                130, Health.ON_TRACK, "Diagnosis done: payee reference re-entry causes 40% of drop-outs."
            ),
            UpdateSpec(90, Health.ON_TRACK, "One-screen payment in pilot for 10% of users; completion 84%."),
            UpdateSpec(
                20,
                Health.ON_TRACK,
                "Full rollout: completion 89% (target 92%), median time 1.2 min. Deciding what next in Act.",
            ),
        ),
    ),
    InitiativeSpec(
        title="Fix insurance claim document submission",
        team=CLAIMS,
        lead="lead2",
        category=Category.PROCESS_SIMPLIFICATION,
        breakpoint_type=BreakpointType.TECHNICAL,
        impact=4,
        effort=3,
        problem_statement=(
            "Only 68% of customers who start uploading claim documents in the portal finish. The rest "
            "phone in or post paper copies, which adds about nine days to the claim."
        ),
        smart_goal=(
            "Raise the completion of online claim document submission from 68% to 85% and bring "
            "document-related claim resolution under 200 hours by {end}."
        ),
        scope="Motor and home claims in the customer portal and the app; commercial claims are out.",
        start_days_ago=62,
        length_days=120,
        stage=Stage.DO,
        source="claims-portal",
        targets=(
            TargetSpec("task_completion_rate", "claims portal: documents", 68, 85, 71, sample_size=3800),
            TargetSpec("resolution_time", "claims: document-related", 310, 200, 296, is_primary=False),
        ),
        standard_plan=True,
        plan_done_through=36,
        plan_changes={
            "Collect feedback data": MilestoneSpec(
                "Collect feedback data", 42, MilestoneStatus.BLOCKED, "contributor"
            ),
            "Analyse pilot results and problems": MilestoneSpec(
                "Analyse pilot results and problems", 48, MilestoneStatus.IN_PROGRESS
            ),
        },
        back_to_do_reason=(
            "The photo-upload fix shipped three weeks late, so only two months of data include it. "
            "Extending the pilot by six weeks before judging the effect."
        ),
        costs=(
            CostSpec(CostKind.ONE_TIME, "Mobile photo upload and document checklist", "24000"),
            CostSpec(CostKind.RECURRING, "OCR service for uploaded documents", "600", 2),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING, BenefitNature.HARD, "Less paper handling in the post room", "3800", 3
            ),
        ),
        updates=(
            UpdateSpec(28, Health.ON_TRACK, "Pilot live in motor claims: checklist and photo upload."),
            UpdateSpec(
                12,
                Health.AT_RISK,
                "Completion only 71%: large PDFs time out on mobile. Feedback survey blocked by legal "
                "review; pilot extended.",
            ),
        ),
    ),
    InitiativeSpec(
        title="Bring mobile banking app complaints back down",
        team=RETAIL_BANKING,
        lead="lead2",
        category=Category.QUALITY_ASSURANCE,
        breakpoint_type=BreakpointType.TECHNICAL,
        impact=5,
        effort=3,
        problem_statement=(
            "App users complain about forced re-logins and missing payment notifications. The team set "
            "out to cut the complaint rate from 2.1% of app contacts, but since release 7.2 it has "
            "risen to 3.8%."
        ),
        smart_goal=(
            "Cut complaints from mobile banking app users from 2.1% to 1.5% of app-related contacts by "
            "{end}, without raising the call volume."
        ),
        scope="The retail banking app (iOS and Android): login, notifications and card controls.",
        start_days_ago=140,
        length_days=150,
        stage=Stage.CHECK,
        source="complaints-register",
        targets=(TargetSpec("complaint_rate", "mobile banking app", 2.1, 1.5, 3.8, sample_size=18000),),
        milestones=(
            _done("Root-cause analysis of the last 500 app complaints", 14),
            _done("Biometric login replaces forced password re-entry", 45, "contributor"),
            _done("Payment notifications rebuilt on the new push service", 70),
            MilestoneSpec("Hotfix 7.2.1: session time-out regression", 110, MilestoneStatus.IN_PROGRESS),
            MilestoneSpec("In-app complaint form routed to the product team", 125),
            MilestoneSpec("Notification preferences centre", 130, MilestoneStatus.CANCELLED),
        ),
        evaluate_in_check=True,
        costs=(
            CostSpec(CostKind.ONE_TIME, "Biometric login and notification redesign", "40000"),
            CostSpec(CostKind.ONE_TIME, "Hotfix release 7.2.1", "8000"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_AVOIDANCE, BenefitNature.SOFT, "Complaint handling avoided", "5000", 2
            ),
        ),
        updates=(
            UpdateSpec(100, Health.ON_TRACK, "Biometric login live; early complaint rate 2.0%."),
            UpdateSpec(55, Health.AT_RISK, "Release 7.2 logs users out after 2 minutes; complaints rising."),
            UpdateSpec(
                8,
                Health.OFF_TRACK,
                "Complaint rate 3.8%, evaluated worse than the 2.1% baseline. Hotfix 7.2.1 in test; "
                "sponsor briefed.",
            ),
        ),
    ),
    InitiativeSpec(
        title="Lift activation after online account opening",
        members=(),
        team=RETAIL_BANKING,
        lead="lead2",
        category=Category.PERSONALISATION,
        breakpoint_type=BreakpointType.PROCESS,
        impact=4,
        effort=2,
        problem_statement=(
            "Only 43% of accounts opened online are activated (first card payment or deposit) within "
            "30 days. New customers get one generic email and no help with the first steps."
        ),
        smart_goal=(
            "Raise the 30-day activation of online-opened current accounts from 43% to 58% by {end}."
        ),
        scope="Current accounts opened on the web or in the app; joint accounts follow in cycle 2.",
        start_days_ago=80,
        length_days=150,
        stage=Stage.DO,
        source="core-banking",
        targets=(
            TargetSpec(
                "activation_rate",
                "online account opening",
                43,
                58,
                51,
                unit_value_per_month="600",
                sample_size=2600,
            ),
        ),
        standard_plan=True,
        plan_done_through=66,
        plan_changes={
            "Change management and communication": MilestoneSpec(
                "Change management and communication", 72, MilestoneStatus.IN_PROGRESS
            ),
        },
        costs=(
            CostSpec(CostKind.ONE_TIME, "Welcome journey: emails, push and a first-use guide", "15000"),
            CostSpec(CostKind.RECURRING, "Messaging platform", "900"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING,
                BenefitNature.HARD,
                "Fewer 'how do I start using my account' calls",
                "1200",
                3,
            ),
        ),
        updates=(
            UpdateSpec(45, Health.ON_TRACK, "Welcome journey piloted on app openings: activation 47%."),
            UpdateSpec(6, Health.ON_TRACK, "Rolled out to web openings; activation 51% and climbing."),
        ),
    ),
    InitiativeSpec(
        title="Post-booking satisfaction from 3.8 to 4.5",
        team=DIGITAL_CHANNELS,
        lead="lead",
        category=Category.PERSONALISATION,
        breakpoint_type=BreakpointType.INTERACTION,
        impact=3,
        effort=2,
        problem_statement=(
            "After booking, travellers get a generic confirmation and nothing else until departure. "
            "Post-booking satisfaction averages 3.8 of 5, and 'where is my booking' questions are the "
            "largest contact reason."
        ),
        smart_goal=(
            "Raise post-booking satisfaction from 3.8 to 4.5 of 5 and cut 'where is my booking' "
            "contacts from 5,200 to 3,500 a month by {end}."
        ),
        scope="Flight and package bookings made online; group bookings are out of scope.",
        start_days_ago=130,
        length_days=180,
        stage=Stage.CHECK,
        source="survey-platform",
        targets=(
            # A point of post-booking satisfaction is worth 10,000 a month in repeat bookings.
            TargetSpec(
                "satisfaction_score",
                "post-booking",
                3.8,
                4.5,
                4.3,
                sample_size=1900,
                unit_value_per_month="10000",
            ),
            TargetSpec("conversation_volume", "where-is-my-booking", 5200, 3500, 3900, is_primary=False),
        ),
        milestones=(
            _done("Journey map of the weeks between booking and departure", 12),
            _done("Itinerary message with check-in and baggage details", 40),
            _done("Reminders 7 days and 24 hours before departure", 65),
            _done("Upgrade offers in the pre-departure message", 95, "contributor"),
            MilestoneSpec("Post-trip survey redesign", 150),
        ),
        members=("viewer",),
        experiments=(
            ExperimentSpec(
                name="Pre-departure messages",
                hypothesis=(
                    "An itinerary message after booking raises satisfaction; adding reminders 7 days and "
                    "24 hours before departure raises it further. Half the bookings keep the plain "
                    "confirmation as the control."
                ),
                kpi="satisfaction_score",
                metric_type=MetricType.MEAN,
                mde=0.03,
                guardrails=("conversation_volume",),
                guardrail_data=(
                    GuardrailSpec(
                        "conversation_volume",
                        MetricType.MEAN,
                        0.05,
                        (
                            VariantSpec("confirmation", "Plain confirmation", 3020, mean=0.42, sd=0.71),
                            VariantSpec("itinerary", "Itinerary message", 1492, mean=0.40, sd=0.69),
                            VariantSpec(
                                "itinerary-reminders", "Itinerary and reminders", 1508, mean=0.41, sd=0.7
                            ),
                        ),
                    ),
                ),
                variants=(
                    VariantSpec(
                        "confirmation",
                        "Plain confirmation",
                        3020,
                        mean=3.82,
                        sd=1.05,
                        weight=2,
                        is_control=True,
                    ),
                    VariantSpec("itinerary", "Itinerary message", 1492, mean=4.05, sd=1.0),
                    VariantSpec("itinerary-reminders", "Itinerary and reminders", 1508, mean=3.86, sd=1.08),
                ),
            ),
        ),
        costs=(
            CostSpec(CostKind.ONE_TIME, "Post-booking message journey", "12000"),
            CostSpec(CostKind.RECURRING, "Messaging volume", "500"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.REVENUE,
                BenefitNature.SOFT,
                "Seat and baggage upgrades sold in pre-departure messages",
                "3500",
                2,
                validated=True,
            ),
        ),
        updates=(
            UpdateSpec(80, Health.ON_TRACK, "Itinerary messages live; satisfaction 4.0 in the first month."),
            UpdateSpec(
                10, Health.ON_TRACK, "Satisfaction 4.3. Evaluation against the baseline due next week."
            ),
        ),
    ),
    InitiativeSpec(
        title="Answer email and social within two hours",
        team=CUSTOMER_CARE,
        lead="lead",
        category=Category.RESPONSE_SPEED,
        breakpoint_type=BreakpointType.INTERACTION,
        impact=5,
        effort=3,
        problem_statement=(
            "Our consumer brand answered email and social messages in 6.2 hours on average. Customers "
            "chased, posted publicly, and those who waited longest bought again least often."
        ),
        smart_goal=(
            "Cut the average response time on email and social from 6.2 to 2 hours and raise CSAT on "
            "these channels from 62% to 75% by {end}."
        ),
        scope="Email, Instagram, Facebook and X messages to the consumer brand, 7 days a week.",
        start_days_ago=200,
        length_days=120,
        stage=Stage.ACT,
        source="helpdesk",
        targets=(
            TargetSpec("avg_response_time", "email & social", 6.2, 2.0, 1.8, sample_size=9500, ramp_days=90),
            TargetSpec("csat", "email & social", 62, 75, 78.7, sample_size=2100, ramp_days=100),
            TargetSpec(
                "repeat_purchase_rate",
                "customers who contacted us",
                30,
                33,
                34.2,
                is_primary=False,
                sample_size=7000,
                ramp_days=120,
            ),
        ),
        milestones=(
            _done("Shared inbox with routing by language and topic", 20),
            _done("Response templates for the 25 most common questions", 35, "contributor"),
            _done("Weekend and evening cover rota", 50),
            _done("Two-hour response standard and live dashboard", 75),
            _done("Handover to business-as-usual reporting", 120),
        ),
        decision=Decision.STANDARDISE,
        decision_note=(
            "1.8 h average response, CSAT +27%, repeat purchases +14%; the investment paid back in "
            "month four. The two-hour standard is now the brand's service promise."
        ),
        # One-time 48,000 against a net 12,000 a month (14,000 benefit − 2,000 running cost) pays
        # back in exactly four months. No target carries a unit value, so no derived benefit adds to it.
        costs=(
            CostSpec(CostKind.ONE_TIME, "Shared inbox, routing and templates (setup and training)", "48000"),
            CostSpec(CostKind.RECURRING, "Inbox licence and weekend cover", "2000"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING,
                BenefitNature.HARD,
                "Fewer chaser contacts and public escalations",
                "6000",
                validated=True,
            ),
            BenefitSpec(
                BenefitKind.REVENUE,
                BenefitNature.SOFT,
                "Repeat purchases from customers who contacted us (+14%)",
                "8000",
                validated=True,
            ),
        ),
        updates=(
            UpdateSpec(170, Health.ON_TRACK, "Shared inbox live; average response down to 4.1 h."),
            UpdateSpec(120, Health.ON_TRACK, "Average response 2.3 h; CSAT 71%."),
            UpdateSpec(
                60,
                Health.ON_TRACK,
                "Standardised at 1.8 h, CSAT 78.7% (+27%), repeat purchases +14%; paid back in month 4.",
            ),
        ),
    ),
    InitiativeSpec(
        title="First-contact resolution from 70% to 85%",
        team=CLAIMS,
        lead="lead2",
        category=Category.STAFFING_TRAINING,
        breakpoint_type=BreakpointType.PROCESS,
        impact=4,
        effort=4,
        problem_statement=(
            "30% of claims hotline callers have to call again: agents lack authority to settle small "
            "claims and transfer a quarter of the calls to specialists."
        ),
        smart_goal=(
            "Raise first-contact resolution on the claims hotline from 70% to 85% and cut transfers "
            "from 24% to 15% by {end}."
        ),
        scope="The claims hotline (motor and home); written claims correspondence is out of scope.",
        start_days_ago=150,
        length_days=150,
        stage=Stage.ACT,
        source="telephony",
        targets=(
            TargetSpec(
                "fcr_rate", "claims hotline", 70, 85, 78, unit_value_per_month="800", sample_size=6100
            ),
            TargetSpec("transfer_rate", "claims hotline", 24, 15, 18, is_primary=False, sample_size=6100),
        ),
        standard_plan=True,
        plan_done_through=90,
        plan_changes={
            "Implement the key measures": _done("Implement the key measures", 42, "contributor"),
        },
        costs=(
            CostSpec(CostKind.ONE_TIME, "Agent training and claims knowledge articles", "30000"),
            CostSpec(CostKind.RECURRING, "Quality coaching (0.2 FTE)", "1200"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_AVOIDANCE,
                BenefitNature.SOFT,
                "Fewer complaint escalations to the ombudsman",
                "1500",
                3,
                validated=True,
            ),
        ),
        updates=(
            UpdateSpec(100, Health.ON_TRACK, "Settlement authority up to 1,500 for trained agents; FCR 74%."),
            UpdateSpec(
                15,
                Health.AT_RISK,
                "FCR plateaued at 78%: home claims still need a surveyor. Deciding in Act whether to "
                "standardise or adapt.",
            ),
        ),
    ),
    InitiativeSpec(
        title="Self-service FAQ: 80% coverage, 65% self-resolution",
        members=(),
        team=DIGITAL_CHANNELS,
        lead="lead",
        category=Category.SELF_SERVICE,
        breakpoint_type=BreakpointType.INTERACTION,
        impact=4,
        effort=2,
        problem_statement=(
            "The help centre covers about half of the contact reasons and only 41% of visitors find "
            "their answer; the rest open a chat or call."
        ),
        smart_goal=(
            "Cover 80% of contact reasons with help articles and raise self-service resolution from 41% "
            "to 65% by {end}."
        ),
        scope="Help centre on the web and in the app, in English and Spanish.",
        start_days_ago=7,
        length_days=120,
        stage=Stage.PLAN,
        source="help-centre",
        targets=(
            TargetSpec("knowledge_coverage", "help centre", 52, 80, 52),
            TargetSpec("self_service_resolution_rate", "help centre", 41, 65, 41, sample_size=14000),
        ),
        standard_plan=True,
        plan_done_through=6,
        costs=(
            CostSpec(CostKind.ONE_TIME, "Content writers: 120 new help articles", "22000"),
            CostSpec(CostKind.RECURRING, "Help-centre search licence", "700", 2),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING, BenefitNature.HARD, "Contacts deflected to self-service", "7000", 3
            ),
        ),
        updates=(UpdateSpec(1, Health.ON_TRACK, "Diagnosis done: 140 contact reasons, 73 covered."),),
    ),
    InitiativeSpec(
        title="Smart routing to cut handle time by 20%",
        team=RETAIL_BANKING,
        lead="lead2",
        category=Category.OTHER,
        breakpoint_type=BreakpointType.TECHNICAL,
        impact=4,
        effort=4,
        problem_statement=(
            "Calls reach the first free agent whatever the topic, so mortgage and card questions land "
            "with generalists who search, hold and transfer. Average handle time is 8.5 minutes."
        ),
        smart_goal=(
            "Route calls by detected intent and agent skill to cut average handle time from 8.5 to 6.8 "
            "minutes (−20%) in the card queue pilot by {end}."
        ),
        scope="Retail banking contact centre; cycle 1 pilots on the card queue.",
        start_days_ago=170,
        length_days=120,
        stage=Stage.ACT,
        source="telephony",
        targets=(
            TargetSpec(
                "average_handle_time",
                "retail banking contact centre",
                8.5,
                6.8,
                7.9,
                unit_value_per_month="6000",
                sample_size=38000,
            ),
            TargetSpec(
                "transfer_rate",
                "retail banking contact centre",
                22,
                14,
                17,
                is_primary=False,
                sample_size=38000,
            ),
        ),
        milestones=(
            _done("Intent taxonomy from 2,000 call transcripts", 15),
            _done("Skills matrix for 140 agents", 25, "contributor"),
            _done("Intent detection in the IVR (card queue pilot)", 60),
            _done("Skills-based routing live for the card queue", 80),
            _done("Pilot review with workforce management", 115),
        ),
        decision=Decision.ADAPT,
        decision_note=(
            "Handle time down 7%, not 20%: the intent model misroutes one mortgage call in six. "
            "Cycle 2 retrains it and extends routing to every queue."
        ),
        next_cycle=NextCycleSpec(
            smart_goal=(
                "Retrain the intent model and route every retail banking queue by intent and skill to cut "
                "average handle time from 8.5 to 6.8 minutes (−20%) by {end}."
            ),
            length_days=90,
            milestones=(
                MilestoneSpec(
                    "Retrain the intent model on 10,000 labelled calls",
                    20,
                    owner="contributor",
                    acceptance_criteria="Misrouting below 5% on a held-out week of calls.",
                ),
                MilestoneSpec("Routing for mortgage and savings queues", 50),
                MilestoneSpec("All queues on intent routing", 85),
            ),
        ),
        costs=(
            CostSpec(CostKind.ONE_TIME, "Intent routing engine and IVR integration", "55000"),
            CostSpec(CostKind.RECURRING, "Routing engine licence", "2000"),
        ),
        benefits=(
            BenefitSpec(
                BenefitKind.COST_SAVING,
                BenefitNature.HARD,
                "Less double handling from fewer transfers",
                "3500",
                3,
                validated=True,
            ),
        ),
        updates=(
            UpdateSpec(120, Health.ON_TRACK, "Intent detection live in the card queue IVR."),
            UpdateSpec(45, Health.AT_RISK, "Handle time 7.9 min (−7%); mortgage calls misrouted."),
            UpdateSpec(0, Health.ON_TRACK, "Cycle 2 planned: retrain the model, then extend to every queue."),
        ),
    ),
)

"""Customer Care's demo initiatives: answering chat, phone, email and social faster.

Pure data, part of ``demo_cases.INITIATIVES``."""

from improvement.management.demo_people import CUSTOMER_CARE
from improvement.management.demo_specs import (
    BenefitSpec,
    CostSpec,
    ExperimentSpec,
    GuardrailSpec,
    InitiativeSpec,
    TargetSpec,
    UpdateSpec,
    VariantSpec,
    milestone_done,
)
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
    Stage,
)

CHAT_FIRST_RESPONSE = InitiativeSpec(
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
        milestone_done("Map first-response delays by queue and hour", 10),
        milestone_done("Greeting bot and canned replies for the ten top intents", 30, "contributor"),
        milestone_done("Peak-hour staffing: two part-time agents on chat", 45),
        milestone_done("Callback offer when the phone wait passes 60 s", 70, "contributor"),
        milestone_done("Weekly first-response review in the team huddle", 90),
        milestone_done("Write the chat response standard into the playbook", 120),
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
        CostSpec(CostKind.ONE_TIME, "Chat routing rules, canned-reply library and agent training", "18000"),
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
        UpdateSpec(150, Health.ON_TRACK, "Greeting bot live on the top ten intents; first response at 61 s."),
        UpdateSpec(
            110, Health.AT_RISK, "Monday peaks still breach 60 s on the phone; callback offer pending."
        ),
        UpdateSpec(75, Health.ON_TRACK, "Callback offer live. Chat first response 31 s, service level 79%."),
        UpdateSpec(40, Health.ON_TRACK, "Standardised: 24 s first response, 83% of calls within 60 s."),
    ),
)

EMAIL_SOCIAL_RESPONSE = InitiativeSpec(
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
        milestone_done("Shared inbox with routing by language and topic", 20),
        milestone_done("Response templates for the 25 most common questions", 35, "contributor"),
        milestone_done("Weekend and evening cover rota", 50),
        milestone_done("Two-hour response standard and live dashboard", 75),
        milestone_done("Handover to business-as-usual reporting", 120),
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
)

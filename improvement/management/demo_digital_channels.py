"""Digital Channels' demo initiatives: the app, booking satisfaction and self-service.

Pure data, part of ``demo_cases.INITIATIVES``."""

from improvement.management.demo_people import DIGITAL_CHANNELS
from improvement.management.demo_specs import (
    BenefitSpec,
    CostSpec,
    ExperimentSpec,
    GuardrailSpec,
    InitiativeSpec,
    MilestoneSpec,
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
    Health,
    MetricType,
    MilestoneStatus,
    Stage,
)

APP_BILL_PAYMENT = InitiativeSpec(
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
        "Collect feedback data": milestone_done("Collect feedback data", 42, "contributor"),
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
        UpdateSpec(130, Health.ON_TRACK, "Diagnosis done: payee reference re-entry causes 40% of drop-outs."),
        UpdateSpec(90, Health.ON_TRACK, "One-screen payment in pilot for 10% of users; completion 84%."),
        UpdateSpec(
            20,
            Health.ON_TRACK,
            "Full rollout: completion 89% (target 92%), median time 1.2 min. Deciding what next in Act.",
        ),
    ),
)

POST_BOOKING_SATISFACTION = InitiativeSpec(
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
        milestone_done("Journey map of the weeks between booking and departure", 12),
        milestone_done("Itinerary message with check-in and baggage details", 40),
        milestone_done("Reminders 7 days and 24 hours before departure", 65),
        milestone_done("Upgrade offers in the pre-departure message", 95, "contributor"),
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
        UpdateSpec(10, Health.ON_TRACK, "Satisfaction 4.3. Evaluation against the baseline due next week."),
    ),
)

SELF_SERVICE_FAQ = InitiativeSpec(
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
)

"""Retail Banking's demo initiatives: app complaints, account activation and routing.

Pure data, part of ``demo_cases.INITIATIVES``."""

from improvement.management.demo_people import RETAIL_BANKING
from improvement.management.demo_specs import (
    BenefitSpec,
    CostSpec,
    InitiativeSpec,
    MilestoneSpec,
    NextCycleSpec,
    TargetSpec,
    UpdateSpec,
    milestone_done,
)
from improvement.models import (
    BenefitKind,
    BenefitNature,
    BreakpointType,
    Category,
    CostKind,
    Decision,
    Health,
    MilestoneStatus,
    Stage,
)

BANKING_APP_COMPLAINTS = InitiativeSpec(
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
        milestone_done("Root-cause analysis of the last 500 app complaints", 14),
        milestone_done("Biometric login replaces forced password re-entry", 45, "contributor"),
        milestone_done("Payment notifications rebuilt on the new push service", 70),
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
        BenefitSpec(BenefitKind.COST_AVOIDANCE, BenefitNature.SOFT, "Complaint handling avoided", "5000", 2),
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
)

ACCOUNT_ACTIVATION = InitiativeSpec(
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
    smart_goal=("Raise the 30-day activation of online-opened current accounts from 43% to 58% by {end}."),
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
)

SMART_ROUTING = InitiativeSpec(
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
        milestone_done("Intent taxonomy from 2,000 call transcripts", 15),
        milestone_done("Skills matrix for 140 agents", 25, "contributor"),
        milestone_done("Intent detection in the IVR (card queue pilot)", 60),
        milestone_done("Skills-based routing live for the card queue", 80),
        milestone_done("Pilot review with workforce management", 115),
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
)

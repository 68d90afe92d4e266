"""Claims' demo initiatives: document submission and first-contact resolution.

Pure data, part of ``demo_cases.INITIATIVES``."""

from improvement.management.demo_people import CLAIMS
from improvement.management.demo_specs import (
    BenefitSpec,
    CostSpec,
    InitiativeSpec,
    MilestoneSpec,
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
    Health,
    MilestoneStatus,
    Stage,
)

CLAIM_DOCUMENTS = InitiativeSpec(
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
)

FIRST_CONTACT_RESOLUTION = InitiativeSpec(
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
        TargetSpec("fcr_rate", "claims hotline", 70, 85, 78, unit_value_per_month="800", sample_size=6100),
        TargetSpec("transfer_rate", "claims hotline", 24, 15, 18, is_primary=False, sample_size=6100),
    ),
    standard_plan=True,
    plan_done_through=90,
    plan_changes={
        "Implement the key measures": milestone_done("Implement the key measures", 42, "contributor"),
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
)

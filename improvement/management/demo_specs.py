"""The shapes of the demo portfolio's data: an initiative and its targets, milestones, updates, money
and experiments, as ``manage.py load_demo`` builds them through the services."""

from dataclasses import dataclass, field

from improvement.models import MilestoneStatus


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


def milestone_done(title: str, day: int, owner: str = "", criteria: str = "") -> MilestoneSpec:
    return MilestoneSpec(title, day, MilestoneStatus.DONE, owner, criteria)

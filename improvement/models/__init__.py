"""The improvement app's models, one module per area; this package names them all in one place.

Callers import from ``improvement.models`` and need not know which area module a model lives in.
Migrations refer to ``improvement.models._webhook_secret`` (the default of a subscription's secret),
so it stays reachable here.
"""

from improvement.models.chat import (
    CHAT_DELIVERY_EVENT_CHOICES,
    CHAT_TEST,
    ChatDestination,
    ChatEventType,
    ChatKind,
    url_mask,
)
from improvement.models.clusters import ClusterData, SiteValue
from improvement.models.comments import COMMENT_MAX_LENGTH, PARENT_FIELDS, Attachment, Comment
from improvement.models.experiments import (
    Experiment,
    ExperimentDecision,
    ExperimentStatus,
    MdeType,
    MetricType,
    RandomisationUnit,
    Variant,
    VariantData,
)
from improvement.models.guardrails import Guardrail, GuardrailData
from improvement.models.ideas import (
    DECIDED_IDEA_STATUSES,
    DEFAULT_REFERENCE_MIX,
    OPEN_IDEA_STATUSES,
    Idea,
    IdeaStatus,
    PrioritySettings,
)
from improvement.models.imports import FINISHED_STATUSES, ImportJob, ImportKind, ImportStatus
from improvement.models.initiatives import (
    HIGH_SCORE,
    SCORE_VALIDATORS,
    BreakpointType,
    Category,
    Health,
    Initiative,
    Quadrant,
    Status,
    StatusUpdate,
    quadrant_for,
)
from improvement.models.money import Benefit, BenefitKind, BenefitNature, Cost, CostKind, MoneyForecast
from improvement.models.money_summary import InitiativeMoney, InitiativeMoneyMonth, PortfolioRollup
from improvement.models.notifications import NotificationKind, ReminderReason, SentReminder
from improvement.models.packs import PackStatus, PortfolioPack
from improvement.models.roadmap import OPEN_MILESTONE_STATUSES, Milestone, MilestoneStatus, Phase
from improvement.models.segments import SegmentData
from improvement.models.shares import SHARE_DAYS_DEFAULT, SHARE_DAYS_MAX, ShareLink, ShareLinkView
from improvement.models.signoffs import (
    GATED_STAGE_CHOICES,
    GATED_STAGES,
    ReviewerRole,
    SignOffRequest,
    SignOffRule,
    SignOffStatus,
)
from improvement.models.stages import STAGE_ORDER, Decision, Stage, StageTransition
from improvement.models.targets import Evaluation, KpiTarget, KpiTargetProgress
from improvement.models.webhooks import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
    _webhook_secret,
)

__all__ = [
    "CHAT_DELIVERY_EVENT_CHOICES",
    "CHAT_TEST",
    "COMMENT_MAX_LENGTH",
    "DECIDED_IDEA_STATUSES",
    "DEFAULT_REFERENCE_MIX",
    "FINISHED_STATUSES",
    "GATED_STAGES",
    "GATED_STAGE_CHOICES",
    "HIGH_SCORE",
    "OPEN_IDEA_STATUSES",
    "OPEN_MILESTONE_STATUSES",
    "PARENT_FIELDS",
    "SCORE_VALIDATORS",
    "SHARE_DAYS_DEFAULT",
    "SHARE_DAYS_MAX",
    "STAGE_ORDER",
    "Attachment",
    "Benefit",
    "BenefitKind",
    "BenefitNature",
    "BreakpointType",
    "Category",
    "ChatDestination",
    "ChatEventType",
    "ChatKind",
    "ClusterData",
    "Comment",
    "Cost",
    "CostKind",
    "Decision",
    "DeliveryStatus",
    "Evaluation",
    "Experiment",
    "ExperimentDecision",
    "ExperimentStatus",
    "Guardrail",
    "GuardrailData",
    "Health",
    "Idea",
    "IdeaStatus",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "Initiative",
    "InitiativeMoney",
    "InitiativeMoneyMonth",
    "KpiTarget",
    "KpiTargetProgress",
    "MdeType",
    "MetricType",
    "Milestone",
    "MilestoneStatus",
    "MoneyForecast",
    "NotificationKind",
    "PackStatus",
    "Phase",
    "PortfolioPack",
    "PortfolioRollup",
    "PrioritySettings",
    "Quadrant",
    "RandomisationUnit",
    "ReminderReason",
    "ReviewerRole",
    "SegmentData",
    "SentReminder",
    "ShareLink",
    "ShareLinkView",
    "SignOffRequest",
    "SignOffRule",
    "SignOffStatus",
    "SiteValue",
    "Stage",
    "StageTransition",
    "Status",
    "StatusUpdate",
    "Variant",
    "VariantData",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSubscription",
    "_webhook_secret",
    "quadrant_for",
    "url_mask",
]

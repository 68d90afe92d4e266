"""The improvement app's admin, one module per area; importing this package registers every model.

Only what the services let a user edit is editable, and saves call those services (see
``common.admin.ServiceWrites``).
"""

from improvement.admin.chat import ChatDestinationAdmin
from improvement.admin.clusters import ClusterDataAdmin, SiteValueAdmin
from improvement.admin.comments import AttachmentAdmin, CommentAdmin
from improvement.admin.experiments import ExperimentAdmin, VariantAdmin, VariantDataAdmin
from improvement.admin.ideas import IdeaAdmin
from improvement.admin.imports import ImportJobAdmin
from improvement.admin.initiatives import InitiativeAdmin, StatusUpdateAdmin
from improvement.admin.money import BenefitAdmin, BenefitInline, CostAdmin, CostInline, MoneyForecastAdmin
from improvement.admin.money_summary import (
    InitiativeMoneyAdmin,
    InitiativeMoneyMonthAdmin,
    KpiTargetProgressAdmin,
    PortfolioRollupAdmin,
)
from improvement.admin.notifications import SentReminderAdmin
from improvement.admin.packs import PortfolioPackAdmin
from improvement.admin.priorities import PrioritySettingsAdmin
from improvement.admin.roadmap import MilestoneAdmin, MilestoneInline
from improvement.admin.segments import SegmentDataAdmin
from improvement.admin.shares import ShareLinkAdmin, ShareLinkViewAdmin
from improvement.admin.signoffs import SignOffRequestAdmin, SignOffRuleAdmin
from improvement.admin.stages import StageTransitionAdmin, StageTransitionInline
from improvement.admin.targets import MSG_KPI_FIXED, KpiTargetAdmin, KpiTargetForm, KpiTargetInline
from improvement.admin.webhooks import (
    MSG_ENABLED,
    MSG_WEBHOOK_SECRET,
    WebhookAttemptAdmin,
    WebhookDeliveryAdmin,
    WebhookEventAdmin,
    WebhookSubscriptionAdmin,
)

__all__ = [
    "MSG_ENABLED",
    "MSG_KPI_FIXED",
    "MSG_WEBHOOK_SECRET",
    "AttachmentAdmin",
    "BenefitAdmin",
    "BenefitInline",
    "ChatDestinationAdmin",
    "ClusterDataAdmin",
    "CommentAdmin",
    "CostAdmin",
    "CostInline",
    "ExperimentAdmin",
    "IdeaAdmin",
    "ImportJobAdmin",
    "InitiativeAdmin",
    "InitiativeMoneyAdmin",
    "InitiativeMoneyMonthAdmin",
    "KpiTargetAdmin",
    "KpiTargetForm",
    "KpiTargetInline",
    "KpiTargetProgressAdmin",
    "MilestoneAdmin",
    "MilestoneInline",
    "MoneyForecastAdmin",
    "PortfolioPackAdmin",
    "PortfolioRollupAdmin",
    "PrioritySettingsAdmin",
    "SegmentDataAdmin",
    "SentReminderAdmin",
    "ShareLinkAdmin",
    "ShareLinkViewAdmin",
    "SignOffRequestAdmin",
    "SignOffRuleAdmin",
    "SiteValueAdmin",
    "StageTransitionAdmin",
    "StageTransitionInline",
    "StatusUpdateAdmin",
    "VariantAdmin",
    "VariantDataAdmin",
    "WebhookAttemptAdmin",
    "WebhookDeliveryAdmin",
    "WebhookEventAdmin",
    "WebhookSubscriptionAdmin",
]

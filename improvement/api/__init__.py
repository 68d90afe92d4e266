"""The improvement API, one module per area: ``initiatives`` (with status updates and the portfolio),
``stages``, ``targets``, ``roadmap``, ``money``, ``experiments``, ``webhooks``, ``chat``, ``shares``;
``common`` holds what they share. Re-exported here: the viewsets the router registers and the
initiative's output."""

from improvement.api.chat import ChatDestinationViewSet
from improvement.api.experiments import ExperimentViewSet
from improvement.api.exports import InitiativeExportViewSet, PortfolioExportViewSet
from improvement.api.imports import ImportViewSet
from improvement.api.initiatives import (
    InitiativeSerializer,
    InitiativeViewSet,
    PortfolioViewSet,
    StatusUpdateViewSet,
)
from improvement.api.money import BenefitViewSet, CostViewSet
from improvement.api.reports import InitiativeReportViewSet, PortfolioPackViewSet
from improvement.api.roadmap import MilestoneViewSet
from improvement.api.shares import ShareLinkViewSet
from improvement.api.stages import StageTransitionViewSet
from improvement.api.targets import KpiTargetViewSet
from improvement.api.webhooks import WebhookSubscriptionViewSet

__all__ = [
    "BenefitViewSet",
    "ChatDestinationViewSet",
    "CostViewSet",
    "ExperimentViewSet",
    "ImportViewSet",
    "InitiativeExportViewSet",
    "InitiativeReportViewSet",
    "InitiativeSerializer",
    "InitiativeViewSet",
    "KpiTargetViewSet",
    "MilestoneViewSet",
    "PortfolioExportViewSet",
    "PortfolioPackViewSet",
    "PortfolioViewSet",
    "ShareLinkViewSet",
    "StageTransitionViewSet",
    "StatusUpdateViewSet",
    "WebhookSubscriptionViewSet",
]

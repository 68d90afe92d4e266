"""The REST API v1 router, the OpenAPI schema and its docs page (mounted by config/urls.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api.views import ApiTokenViewSet, MeViewSet, TeamViewSet
from improvement.api import (
    BenefitViewSet,
    ChatDestinationViewSet,
    CostViewSet,
    ExperimentViewSet,
    ImportViewSet,
    InitiativeExportViewSet,
    InitiativeReportViewSet,
    InitiativeViewSet,
    KpiTargetViewSet,
    MilestoneViewSet,
    PortfolioExportViewSet,
    PortfolioPackViewSet,
    PortfolioViewSet,
    ShareLinkViewSet,
    StageTransitionViewSet,
    StatusUpdateViewSet,
    WebhookSubscriptionViewSet,
)
from improvement.api.comments import AttachmentViewSet, CommentViewSet
from improvement.api.ideas import IdeaViewSet, KpiAlertViewSet
from improvement.api.priorities import BreakpointViewSet, PrioritySettingsViewSet, PriorityViewSet
from improvement.api.signoffs import SignOffRequestViewSet, SignOffRuleViewSet
from kpis.api.control_chart import KpiControlChartViewSet
from kpis.api.phases import KpiPhaseBreakViewSet
from kpis.api.survey import KpiSurveyViewSet
from kpis.api.views import KpiViewSet, MeasurementViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("users", MeViewSet, basename="user")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("kpis", KpiViewSet, basename="kpi")
# Same prefix, addressed by code: /kpis/{code}/control-chart/.
router.register("kpis", KpiControlChartViewSet, basename="kpi-chart")
router.register("kpis", KpiSurveyViewSet, basename="kpi-survey")
router.register("kpis", KpiPhaseBreakViewSet, basename="kpi-phase")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("initiatives", InitiativeViewSet, basename="initiative")
router.register("initiatives", InitiativeExportViewSet, basename="initiative-export")
router.register("initiatives", InitiativeReportViewSet, basename="initiative-report")
router.register("targets", KpiTargetViewSet, basename="target")
router.register("status-updates", StatusUpdateViewSet, basename="status-update")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("costs", CostViewSet, basename="cost")
router.register("benefits", BenefitViewSet, basename="benefit")
router.register("transitions", StageTransitionViewSet, basename="transition")
router.register("portfolio", PortfolioViewSet, basename="portfolio")
router.register("portfolio", PortfolioExportViewSet, basename="portfolio-export")
router.register("portfolio-packs", PortfolioPackViewSet, basename="portfolio-pack")
router.register("experiments", ExperimentViewSet, basename="experiment")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("share-links", ShareLinkViewSet, basename="share-link")
router.register("chat-destinations", ChatDestinationViewSet, basename="chat-destination")
router.register("imports", ImportViewSet, basename="import")
router.register("sign-off-rules", SignOffRuleViewSet, basename="sign-off-rule")
router.register("sign-off-requests", SignOffRequestViewSet, basename="sign-off-request")
router.register("priorities", PriorityViewSet, basename="priority")
router.register("breakpoints", BreakpointViewSet, basename="breakpoint")
# One object for the organisation, read and changed at its own address with no id (a router binds
# PATCH to detail routes only).
singleton_urls = [
    path(
        "priority-settings/",
        PrioritySettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="priority-settings",
    ),
]
router.register("comments", CommentViewSet, basename="comment")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("ideas", IdeaViewSet, basename="idea")
router.register("kpi-alerts", KpiAlertViewSet, basename="kpi-alert")

urlpatterns = [
    path("v1/", include((router.urls + singleton_urls, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the page runs under our CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

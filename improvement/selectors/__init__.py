"""Reads of the improvement domain by area, scoped to the requesting user and N+1-proof.

Callers may import an area module directly (``improvement.selectors.roadmap``) or the names below.
"""

from improvement.selectors.experiments import (
    experiment_aggregates,
    experiment_get,
    experiment_list,
    experiment_plan,
    experiment_results,
    initiative_experiments,
    variant_totals,
)
from improvement.selectors.history import initiative_history
from improvement.selectors.initiative_count import initiative_count_unfiltered
from improvement.selectors.initiative_rows import initiative_rows, initiative_rows_of_page
from improvement.selectors.initiative_rows import members_inline as initiative_rows_members_inline
from improvement.selectors.initiatives import (
    initiative_at_risk_first,
    initiative_get,
    initiative_list,
    initiative_list_at_risk,
    initiative_list_by_way_in,
    initiative_list_led,
    initiative_member_ids,
    initiative_portfolio,
    initiative_search,
    initiative_status_updates,
    status_update_list,
)
from improvement.selectors.money import (
    benefit_get,
    benefit_list,
    benefit_list_awaiting_validation,
    cost_list,
    initiative_money,
    initiative_money_lines,
    initiative_money_many,
    portfolio_money,
)
from improvement.selectors.money_range import initiative_progress, initiative_roi_range
from improvement.selectors.portfolio_rollup import portfolio_summary
from improvement.selectors.roadmap import (
    initiative_milestones,
    milestone_calendar,
    milestone_get,
    milestone_list,
    milestone_list_owned,
    milestone_owner_choices,
    milestone_owner_list,
    milestone_roadmap,
)
from improvement.selectors.stages import initiative_transitions, transition_list
from improvement.selectors.targets import (
    kpi_target_list,
    target_chart_series,
    target_list,
    target_primary_kpi,
    target_progress,
    target_progress_list,
)
from improvement.selectors.webhooks import webhook_delivery_list, webhook_subscription_list

__all__ = [
    "benefit_get",
    "benefit_list",
    "benefit_list_awaiting_validation",
    "cost_list",
    "experiment_aggregates",
    "experiment_get",
    "experiment_list",
    "experiment_plan",
    "experiment_results",
    "initiative_at_risk_first",
    "initiative_count_unfiltered",
    "initiative_experiments",
    "initiative_get",
    "initiative_history",
    "initiative_list",
    "initiative_list_at_risk",
    "initiative_list_by_way_in",
    "initiative_list_led",
    "initiative_member_ids",
    "initiative_milestones",
    "initiative_money",
    "initiative_money_lines",
    "initiative_money_many",
    "initiative_portfolio",
    "initiative_progress",
    "initiative_roi_range",
    "initiative_rows",
    "initiative_rows_members_inline",
    "initiative_rows_of_page",
    "initiative_search",
    "initiative_status_updates",
    "initiative_transitions",
    "kpi_target_list",
    "milestone_calendar",
    "milestone_get",
    "milestone_list",
    "milestone_list_owned",
    "milestone_owner_choices",
    "milestone_owner_list",
    "milestone_roadmap",
    "portfolio_money",
    "portfolio_summary",
    "status_update_list",
    "target_chart_series",
    "target_list",
    "target_primary_kpi",
    "target_progress",
    "target_progress_list",
    "transition_list",
    "variant_totals",
    "webhook_delivery_list",
    "webhook_subscription_list",
]

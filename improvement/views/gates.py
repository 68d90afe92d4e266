"""A stage gate as the pages show it: each condition met or not, with links to the pages that meet it."""

from dataclasses import asdict, dataclass

from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import User
from improvement import policies
from improvement.models import ExperimentStatus, Initiative
from improvement.selectors.experiments import initiative_experiments
from improvement.selectors.stages import milestone_first_without_owner
from kpis.services import measurement_can_write


@dataclass(frozen=True)
class Fix:
    label: str
    url: str


@dataclass(frozen=True)
class ChecklistItem:
    """A gate condition as a page shows it: met or not, and where to go to meet it."""

    code: str
    message: str
    passed: bool
    detail: str
    fixes: list[Fix]


def gate_fixes(*, initiative: Initiative, user: User) -> dict[str, list[Fix]]:
    """For each gate condition code, the pages where ``user`` can meet it (none for a reader)."""
    pk = initiative.pk
    fixes: dict[str, list[Fix]] = {}
    if measurement_can_write(actor=user):
        fixes["evidence"] = [
            Fix(gettext("Record a measurement"), reverse("improvement:measurement_create", args=[pk]))
        ]
    if not policies.can_edit(user, initiative):
        return fixes
    fixes["smart_goal"] = [
        Fix(
            gettext("Write the SMART goal"),
            reverse("improvement:initiative_edit", args=[pk]) + "#id_smart_goal",
        )
    ]
    fixes["kpi_target"] = [Fix(gettext("Add a KPI target"), reverse("improvement:target_create", args=[pk]))]
    fixes["milestones"] = [
        Fix(gettext("Add a milestone"), reverse("improvement:milestone_create", args=[pk]))
    ]
    unowned = milestone_first_without_owner(initiative=initiative)
    if unowned is not None:
        fixes["milestone_owners"] = [
            Fix(
                gettext("Give “{title}” an owner").format(title=unowned.title),
                reverse("improvement:milestone_edit", args=[unowned.pk]),
            )
        ]
    fixes["targets_evaluated"] = [
        Fix(
            gettext("Evaluate the KPI targets"), reverse("improvement:initiative_detail", args=[pk]) + "#kpis"
        )
    ]
    for experiment in initiative_experiments(initiative=initiative):
        detail = reverse("improvement:experiment_detail", args=[experiment.pk])
        if experiment.status == ExperimentStatus.DRAFT:
            fixes.setdefault("evidence", []).append(
                Fix(gettext("Start “{name}”").format(name=experiment.name), detail)
            )
        elif experiment.status in (ExperimentStatus.RUNNING, ExperimentStatus.STOPPED):
            data = reverse("improvement:experiment_data", args=[experiment.pk])
            fixes.setdefault("evidence", []).append(
                Fix(gettext("Enter data for “{name}”").format(name=experiment.name), data)
            )
        if experiment.status != ExperimentStatus.CONCLUDED:
            fixes["targets_evaluated"].append(
                Fix(gettext("Conclude “{name}”").format(name=experiment.name), detail)
            )
    return fixes


def gate_checklist(*, initiative: Initiative, user: User, conditions) -> list[ChecklistItem]:
    """Conditions (``Condition`` objects or the dicts a refusal carries) with their fix links."""
    rows = [condition if isinstance(condition, dict) else asdict(condition) for condition in conditions]
    # The fixes cost a few queries: looked up only when something is unmet.
    fixes = {} if all(row["passed"] for row in rows) else gate_fixes(initiative=initiative, user=user)
    return [
        ChecklistItem(
            code=row["code"],
            message=row["message"],
            passed=row["passed"],
            detail=row.get("detail", ""),
            fixes=[] if row["passed"] else fixes.get(row["code"], []),
        )
        for row in rows
    ]

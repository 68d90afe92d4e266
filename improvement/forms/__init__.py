"""Forms of the site, one module per area: shape and HTML only. The rules live in the services the
views call. Re-exported here: what the views and tests import."""

from improvement.forms.experiments import (
    MSG_CONTROL_ROW_EMPTY,
    ExperimentConcludeForm,
    ExperimentEditForm,
    ExperimentForm,
    ObservationsUploadForm,
    SampleSizeForm,
    VariantDataForm,
    VariantForm,
    variant_forms,
)
from improvement.forms.initiatives import (
    MSG_END_BEFORE_START,
    DashboardFilterForm,
    InitiativeCreateForm,
    InitiativeEditForm,
    InitiativeFilterForm,
    MoneySort,
    Period,
    StatusUpdateForm,
)
from improvement.forms.money import BenefitForm, CostForm
from improvement.forms.roadmap import MilestoneEditForm, MilestoneForm, MilestoneOwnerForm, RoadmapFilterForm
from improvement.forms.stages import DecisionForm, TransitionForm
from improvement.forms.targets import MSG_BASELINE_WINDOW, KpiTargetForm, MeasurementForm

__all__ = [
    "MSG_BASELINE_WINDOW",
    "MSG_CONTROL_ROW_EMPTY",
    "MSG_END_BEFORE_START",
    "BenefitForm",
    "CostForm",
    "DashboardFilterForm",
    "DecisionForm",
    "ExperimentConcludeForm",
    "ExperimentEditForm",
    "ExperimentForm",
    "InitiativeCreateForm",
    "InitiativeEditForm",
    "InitiativeFilterForm",
    "KpiTargetForm",
    "MeasurementForm",
    "MilestoneEditForm",
    "MilestoneForm",
    "MilestoneOwnerForm",
    "MoneySort",
    "ObservationsUploadForm",
    "Period",
    "RoadmapFilterForm",
    "SampleSizeForm",
    "StatusUpdateForm",
    "TransitionForm",
    "VariantDataForm",
    "VariantForm",
    "variant_forms",
]

"""Initiatives in the API: ``columns`` (the list's keys, declared once, and its lean read path),
``serializers`` (inputs and named outputs, status updates and the portfolio included), ``views``."""

from improvement.api.initiatives.columns import (
    INITIATIVE_COLUMNS,
    INITIATIVE_KEYS,
    INITIATIVE_VALUES,
    initiative_list_data,
)
from improvement.api.initiatives.serializers import InitiativeSerializer
from improvement.api.initiatives.views import InitiativeViewSet, PortfolioViewSet, StatusUpdateViewSet

__all__ = [
    "INITIATIVE_COLUMNS",
    "INITIATIVE_KEYS",
    "INITIATIVE_VALUES",
    "InitiativeSerializer",
    "InitiativeViewSet",
    "PortfolioViewSet",
    "StatusUpdateViewSet",
    "initiative_list_data",
]

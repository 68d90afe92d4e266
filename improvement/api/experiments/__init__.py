"""A/B experiments in the API: ``serializers`` (input shapes, named read-only outputs), ``views`` (the
viewset, its filter and the CSV parser)."""

from improvement.api.experiments.serializers import ExperimentSerializer
from improvement.api.experiments.views import CsvParser, ExperimentFilter, ExperimentViewSet

__all__ = ["CsvParser", "ExperimentFilter", "ExperimentSerializer", "ExperimentViewSet"]

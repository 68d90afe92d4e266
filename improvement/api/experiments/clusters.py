"""``/api/v1/experiments/{id}/`` actions for cluster-randomised pilots and controlled before/after."""

import io

from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from common.api.parsers import ApiJSONParser
from improvement.api.experiments import cluster_serializers as cs
from improvement.api.experiments import serializers as s
from improvement.services import experiment_clusters

CSV_MEDIA_TYPE = "text/csv"


class ClusterCsvParser(BaseParser):
    """``text/csv`` bodies of per-cluster totals (at most MAX_DATA_ROWS rows: read whole)."""

    media_type = CSV_MEDIA_TYPE

    def parse(self, stream, media_type=None, parser_context=None):
        return io.BytesIO(stream.read() if stream is not None else b"")


class ClusterActionsMixin:
    """Mixed into the experiment viewset: design switch, per-cluster data and per-site period values."""

    @extend_schema(
        request=cs.ClusterDesignInputSerializer,
        responses={200: cs.ClusterDesignSerializer},
        description="How the experiment was randomised (`user` or `cluster`, changes only in draft) and "
        "the change date of a controlled before/after (until concluded).",
    )
    @action(detail=True, methods=["post"], url_path="cluster-design", url_name="cluster-design")
    def cluster_design(self, request, pk=None):
        experiment = experiment_clusters.experiment_cluster_design_set(
            actor=request.user, experiment=self.get_object(), **self.parse(cs.ClusterDesignInputSerializer)
        )
        return Response(cs.ClusterDesignSerializer(experiment).data)

    @extend_schema(
        request={"application/json": cs.ClusterDataInputSerializer, CSV_MEDIA_TYPE: OpenApiRequest(bytes)},
        responses={200: s.DataWriteResultSerializer},
        description="Per-cluster totals of a cluster-randomised experiment: `{variant, cluster, users, "
        "conversions}` for a proportion, `{variant, cluster, users, sum, sum_squares}` for a mean, as JSON "
        "`rows` or a CSV with those columns. Replaces the clusters of the variants named; a cluster belongs "
        "to one variant. 409 unless `randomisation_unit` is `cluster`.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="cluster-data",
        url_name="cluster-data",
        parser_classes=[ApiJSONParser, ClusterCsvParser],
    )
    def cluster_data(self, request, pk=None):
        experiment = self.get_object()
        if isinstance(request.data, io.BytesIO):
            rows = experiment_clusters.csv_cluster_rows(request.data)
        else:
            rows = self.parse(cs.ClusterDataInputSerializer)["rows"]
        result = experiment_clusters.experiment_cluster_data_replace(
            actor=request.user, experiment=experiment, rows=rows
        )
        return Response(s.DataWriteResultSerializer(result).data)

    @extend_schema(
        request=cs.SiteValuesInputSerializer,
        responses={200: s.DataWriteResultSerializer},
        description="Controlled before/after: `{site, pilot, day, value}` per site and period, replacing "
        "the experiment's site values. Values on or after `change_date` count as 'after'.",
    )
    @action(detail=True, methods=["post"], url_path="site-values", url_name="site-values")
    def site_values(self, request, pk=None):
        result = experiment_clusters.experiment_site_values_replace(
            actor=request.user, experiment=self.get_object(), **self.parse(cs.SiteValuesInputSerializer)
        )
        return Response(s.DataWriteResultSerializer(result).data)

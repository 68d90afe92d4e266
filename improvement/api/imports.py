"""``/api/v1/imports/``: import initiatives, KPI targets, milestones or measurements from a file.

``POST`` a multipart ``file`` (CSV or XLSX) with its ``kind``: with ``dry_run`` (the default) the job
checks every row and lists each error by row and column with the counts of rows it would create,
update or leave unchanged; ``POST …/{id}/run/`` then imports the checked file. With
``dry_run=false`` the file is checked and imported in one pass. Either way the rows are written all
or none, by natural key, so sending the same file twice changes nothing the second time. The work
runs in the background: poll ``GET …/{id}/`` for ``status`` and ``progress``.

A token needs ``measurements:write`` to import measurements and ``initiatives:write`` for the other
kinds; each row is then checked against the owner's rights as on the site.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.models import Scope
from improvement.api.common import CREATED, ReadViewSet
from improvement.models import ImportJob, ImportKind
from improvement.selectors.imports import import_job_list
from improvement.services import imports


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row in the file; the header is row 1.")
    column = serializers.CharField(help_text="The column's header; empty when the error is the row's.")
    message = serializers.CharField()


class ImportCountsSerializer(serializers.Serializer):
    create = serializers.IntegerField()
    update = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="Rows handled so far by the running pass.")
    errors = ImportErrorSerializer(many=True, read_only=True)
    counts = ImportCountsSerializer(read_only=True, help_text="Rows to create/update/leave, or done.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "filename",
            "rows_total",
            "progress",
            "error_count",
            "errors",
            "counts",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job) -> int:
        return imports.import_progress(job=job)


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8) or .xlsx file; its first row is the header.")
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    dry_run = serializers.BooleanField(default=True, help_text="Check only; import with …/run/ after.")


class ImportViewSet(ReadViewSet):
    """The caller's own imports, newest first."""

    model = ImportJob
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]
    search_fields = []
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def select(self, *, user, include_archived):
        return import_job_list(user=user)

    def required_scope(self, request):
        if request.method == "GET":
            return Scope.PROGRESS_READ
        if self.action == "run":
            job = import_job_list(user=request.user).filter(pk=self.kwargs.get("pk")).first()
            kind = job.kind if job else None
        else:
            kind = request.data.get("kind")
        return Scope.MEASUREMENTS_WRITE if kind == ImportKind.MEASUREMENTS else Scope.INITIATIVES_WRITE

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer}, responses={201: ImportJobSerializer}
    )
    def create(self, request):
        data = self.parse(ImportInputSerializer)
        upload = data["file"]
        if upload.size > imports.MAX_FILE_BYTES:
            raise serializers.ValidationError({"file": [_(imports.MSG_TOO_LARGE)]})
        job = imports.import_job_create(
            actor=request.user,
            kind=data["kind"],
            filename=upload.name,
            content=upload.read(),
            dry_run=data["dry_run"],
        )
        return Response(ImportJobSerializer(self.reread(job)).data, status=CREATED)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Import a checked file (status ``valid``); 409 for any other status."""
        job = imports.import_job_start(actor=request.user, job=self.get_object())
        return Response(ImportJobSerializer(self.reread(job)).data, status=202)

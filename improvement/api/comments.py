"""Comments and attachments in the API (the help page on ideas: "Comments, mentions and attachments").

Both are read with ``progress:read`` and written with ``comments:write``; every row is reached
through its parent's user-scoped selector, so a record the caller cannot read, and all that hangs on
it, answers 404. Removing is archiving (DELETE answers 204; the row stays for sync mirrors).
"""

import django_filters
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BigIntegerField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from accounts.models import Scope
from common.api.conditional import check_if_match, honours_if_match
from common.api.idempotency import idempotent
from common.api.renderers import ApiJSONRenderer, render_json
from common.api.sync import ChangePagePagination
from common.api.viewsets import ApiViewSet
from common.errors import NotFound
from improvement.api.common import CREATED, ID_RANGE, updated_since
from improvement.attachment_response import attachment_response
from improvement.attachment_types import OCTET_STREAM, TYPES
from improvement.models import COMMENT_MAX_LENGTH, PARENT_FIELDS, Attachment, Comment
from improvement.selectors.comments import attachment_list, comment_list, parent_get
from improvement.services import attachments, comments

MSG_ONE_PARENT = gettext_noop("Give exactly one of initiative, idea, milestone and experiment.")
MENTION_HELP = (
    "Mention people as @[Full Name] or @email@example.com (they are told if they can read the record)."
)
PARENT_HELP = "Exactly one of initiative, idea, milestone and experiment: the record it belongs to."
DOWNLOAD_TYPES = sorted({OCTET_STREAM} | {t.content_type for t in TYPES.values() if t.inline_safe})


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=BigIntegerField.MAX_BIGINT, **kwargs)


class MentionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class AttachmentSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            *PARENT_FIELDS,
            "comment",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField(help_text='"" once the comment is removed (archived).')
    mentions = MentionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            *PARENT_FIELDS,
            "author",
            "body",
            "mentions",
            "attachments",
            "edited_at",
            "version",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_body(self, comment: Comment) -> str:
        # A removed comment's words are gone from the conversation, in the API too.
        return "" if comment.is_archived else comment.body


class ParentInputSerializer(serializers.Serializer):
    initiative = serializers.IntegerField(required=False, **ID_RANGE, help_text=PARENT_HELP)
    idea = serializers.IntegerField(required=False, **ID_RANGE)
    milestone = serializers.IntegerField(required=False, **ID_RANGE)
    experiment = serializers.IntegerField(required=False, **ID_RANGE)

    def validate(self, attrs):
        given = [(kind, pk) for kind, pk in attrs.items() if kind in PARENT_FIELDS]
        if len(given) != 1:
            raise serializers.ValidationError({"non_field_errors": [_(MSG_ONE_PARENT)]})
        kind, pk = given[0]
        user = self.context["request"].user
        try:
            attrs["parent"] = parent_get(user=user, kind=kind, pk=pk)
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError({kind: [_(comments.MSG_NOT_FOUND)]}) from exc
        return {"parent": attrs["parent"], **{k: v for k, v in attrs.items() if k not in PARENT_FIELDS}}


class CommentInputSerializer(ParentInputSerializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text=MENTION_HELP)


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text=MENTION_HELP)


class AttachmentInputSerializer(ParentInputSerializer):
    file = serializers.FileField(
        help_text="The file (multipart/form-data); size, count and type limits on the help page /help/ideas/."
    )
    comment = serializers.IntegerField(
        required=False, **ID_RANGE, help_text="Your own comment on the same record the file goes with."
    )

    def validate_comment(self, value):
        found = comment_list(user=self.context["request"].user).filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError(_(attachments.MSG_NOT_YOUR_COMMENT))
        return found


class CommentFilter(django_filters.FilterSet):
    updated_since = updated_since()
    initiative = IdFilter(field_name="initiative_id")
    idea = IdFilter(field_name="idea_id")
    milestone = IdFilter(field_name="milestone_id")
    experiment = IdFilter(field_name="experiment_id")

    class Meta:
        model = Comment
        fields = ["initiative", "idea", "milestone", "experiment"]


class AttachmentFilter(CommentFilter):
    comment = IdFilter(field_name="comment_id")

    class Meta:
        model = Attachment
        fields = ["initiative", "idea", "milestone", "experiment", "comment"]


class CommentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Comments on the records the caller can read; filter by one record (``?initiative=`` …)."""

    model = Comment
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    pagination_class = ChangePagePagination
    write_scope = Scope.COMMENTS_WRITE
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return comment_list(user=user, include_archived=include_archived)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    @idempotent
    def create(self, request):
        data = self.parse(CommentInputSerializer)
        comment = comments.comment_create(actor=request.user, parent=data["parent"], body=data["body"])
        return Response(CommentSerializer(self.reread(comment)).data, status=CREATED)

    @extend_schema(request=CommentUpdateSerializer, responses={200: CommentSerializer})
    def partial_update(self, request, pk=None):
        comment = self.get_object()
        check_if_match(request, CommentSerializer(comment).data)
        comments.comment_update(
            actor=request.user,
            comment=comment,
            version=comment.version,
            **self.parse(CommentUpdateSerializer),
        )
        return Response(CommentSerializer(self.reread(comment)).data)

    @extend_schema(request=None, responses={204: None}, description="Remove it: archived, shown as removed.")
    @honours_if_match
    def destroy(self, request, pk=None):
        comment = self.get_object()
        check_if_match(request, CommentSerializer(comment).data)
        comments.comment_archive(actor=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileRenderer(BaseRenderer):
    """Lets a download accept the file's types; the view answers the file itself, an error keeps JSON."""

    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return render_json(data)


class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Files on the records the caller can read. Upload as multipart/form-data; ``download`` streams it."""

    model = Attachment
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilter
    pagination_class = ChangePagePagination
    parser_classes = [MultiPartParser]
    write_scope = Scope.COMMENTS_WRITE
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return attachment_list(user=user, include_archived=include_archived)

    @extend_schema(
        request={"multipart/form-data": AttachmentInputSerializer}, responses={201: AttachmentSerializer}
    )
    @idempotent
    def create(self, request):
        data = self.parse(AttachmentInputSerializer)
        attachment = attachments.attachment_upload(
            actor=request.user, parent=data["parent"], upload=data["file"], comment=data.get("comment")
        )
        return Response(AttachmentSerializer(self.reread(attachment)).data, status=CREATED)

    @extend_schema(request=None, responses={204: None}, description="Remove it: archived, no longer listed.")
    def destroy(self, request, pk=None):
        attachments.attachment_archive(actor=request.user, attachment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as a download.")
            for media in DOWNLOAD_TYPES
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[ApiJSONRenderer, FileRenderer])
    def download(self, request, pk=None):
        """The file, streamed as an attachment (never rendered): images keep their type, all else is
        application/octet-stream."""
        attachment = self.get_object()
        if attachment.is_archived:
            raise NotFound(_(attachments.MSG_NOT_FOUND))
        return attachment_response(attachment)

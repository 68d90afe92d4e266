"""OpenAPI: the error format, and the error answers every operation can give."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import anchor_pattern, build_basic_type, get_view_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.schemas.utils import get_pk_description

from common.api.conditional import IF_MATCH_HEADER, declares_if_match
from common.api.viewsets import INCLUDE_ARCHIVED_PARAM, INTEGER_LOOKUP


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        read_only=True,
        help_text="Machine-readable: invalid, not_authenticated, authentication_failed, permission_denied, "
        "missing_scope, session_only, not_found, conflict, gate_failed, precondition_failed, "
        "idempotency_key_reused, throttled, too_large, bad_request (an unreadable request), server_error…",
    )
    message = serializers.CharField(read_only=True, help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="Messages per input field; nested fields are flattened (`rows[3].value`).",
    )
    non_field_errors = serializers.ListField(child=serializers.CharField(), read_only=True)
    details = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="Extra structure, e.g. each gate condition of a refused stage move "
        "(`code`, `message`, `passed`, `detail`).",
    )


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ERRORS = {
    "400": _error("Bad input (body, filters or query parameters); nothing was written."),
    "401": _error("Missing, unknown, expired or revoked credentials."),
    "403": _error("The caller's role or token scopes do not allow this."),
    "404": _error("No such object, or the caller cannot see it."),
    "404-list": _error("A page past the end, or a cursor this server did not issue."),
    "409": _error("Conflict: changed by someone else, a failed stage gate, or a state that forbids it."),
    "412": _error("If-Match does not match the current ETag."),
    "413": _error("The request body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE)."),
    "429": _error("Too many requests; see Retry-After."),
}
IF_MATCH = OpenApiParameter(
    IF_MATCH_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag the change was made against; a stale one answers 412 and writes nothing.",
)
INCLUDE_ARCHIVED = OpenApiParameter(
    INCLUDE_ARCHIVED_PARAM,
    OpenApiTypes.BOOL,
    description="Also list archived rows (each flagged `archived`); implied by `updated_since`.",
)


class ApiAutoSchema(AutoSchema):
    """Adds the error answers that the shared handler can give to every operation, the If-Match
    header where it is honoured, and ``include_archived`` on lists."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # 400 everywhere: reads refuse bad filters and query parameters too.
        codes = {code: code for code in ("400", "401", "403", "429")}
        if self.method != "GET" or self._is_detail():
            codes["404"] = "404"
        elif self._is_paginated_list():
            codes["404"] = "404-list"
        if self.method in ("POST", "PUT", "PATCH"):
            codes["409"] = "409"
            codes["413"] = "413"
        if self._honours_if_match():
            codes["412"] = "412"
        if self.method == "GET":
            responses.setdefault("304", {"description": "Not modified (If-None-Match matched the ETag)."})
        for code, error in codes.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[error], code, direction=direction)
        return responses

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._honours_if_match():
            parameters.append(IF_MATCH)
        if self._is_paginated_list() and not getattr(self.view, "detail", False):
            parameters.append(INCLUDE_ARCHIVED)
        return parameters

    def _honours_if_match(self) -> bool:
        # Every update checks If-Match; other actions say so with ``@honours_if_match``.
        if self.method in ("PUT", "PATCH"):
            return True
        return declares_if_match(getattr(self.view, getattr(self.view, "action", None) or "", None))

    def _is_paginated_list(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def _is_detail(self) -> bool:
        return "{" in self.path

    def _resolve_path_parameters(self, variables):
        """The id's URL pattern only keeps non-digits out; the parameter stays the integer key.

        (drf-spectacular documents any explicit lookup regex as a string with that pattern.)
        """
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            if model is not None and parameter["schema"].get("pattern") == anchor_pattern(INTEGER_LOOKUP):
                parameter["schema"] = build_basic_type(OpenApiTypes.INT)
                parameter["description"] = get_pk_description(model, model._meta.pk)
        return parameters


class ReportSchema(ApiAutoSchema):
    """A view whose ``list`` answers one report object (sections of rows), not a list of rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

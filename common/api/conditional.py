"""Conditional requests: ETag on reads (If-None-Match → 304) and If-Match on updates (→ 412).

The ETag is a digest of the representation the client would receive, so it changes exactly when
what the client sees changes — for lists too (any row, the count or the page links). It is taken
from the rendered bytes of the answer, so the payload is serialised once, not once for the tag and
again for the body; ``etag_for`` renders data the same way for If-Match.
"""

import hashlib

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response

from common.api.errors import PreconditionFailed
from common.api.renderers import ApiJSONRenderer, render_json


def _digest(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def etag_for(data) -> str:
    return _digest(render_json(data))


def _etag_of(response: Response) -> str:
    renderer = response.accepted_renderer
    compact = isinstance(renderer, ApiJSONRenderer) and (
        renderer.get_indent(response.accepted_media_type, response.renderer_context) is None
    )
    if not compact:
        # Browsable API or pretty-printed JSON: tag the compact JSON of the same data.
        return etag_for(response.data)
    response.render()  # Once: Django's handler will not render it again.
    return _digest(response.content)


def _matches(header: str, etag: str) -> bool:
    tags = parse_etags(header)
    # Weak comparison: a proxy may have weakened our strong tag.
    return "*" in tags or etag in tags or etag in (t.removeprefix("W/") for t in tags)


IF_MATCH_HEADER = "If-Match"


def check_if_match(request, current_data) -> None:
    """Refuse an update made against a representation that is no longer current."""
    header = request.headers.get(IF_MATCH_HEADER)
    if header and not _matches(header, etag_for(current_data)):
        raise PreconditionFailed()


def honours_if_match(action):
    """Marks an action (beyond updates) that calls ``check_if_match``, so the schema documents the
    header and its 412."""
    action.honours_if_match = True
    return action


def declares_if_match(action) -> bool:
    return getattr(action, "honours_if_match", False)


class ConditionalMixin:
    """Adds ETag to successful GET answers and answers 304 when If-None-Match already has it."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not isinstance(response, Response) or response.data is None:
            return response
        if request.method in ("GET", "HEAD") and response.status_code == status.HTTP_200_OK:
            etag = _etag_of(response)
            header = request.headers.get("If-None-Match")
            if header and _matches(header, etag):
                response = super().finalize_response(
                    request, Response(status=status.HTTP_304_NOT_MODIFIED), *args, **kwargs
                )
            response["ETag"] = etag
        elif (
            request.method in ("PUT", "PATCH", "POST")
            and response.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED)
            and isinstance(response.data, dict)
            and "id" in response.data
        ):
            # The answer to a write is the new representation: its ETag is what If-Match needs next.
            response["ETag"] = _etag_of(response)
        return response

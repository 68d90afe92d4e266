"""Conditional requests: ETag on reads (If-None-Match → 304) and If-Match on updates (→ 412).

The ETag is a digest of the representation the client would receive, so it changes exactly when
what the client sees changes — for lists too (any row, the count or the page links).
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response

from common.api.errors import PreconditionFailed


def etag_for(data) -> str:
    payload = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(payload.encode()).hexdigest()[:40] + '"'


def _matches(header: str, etag: str) -> bool:
    tags = parse_etags(header)
    # Weak comparison: a proxy may have weakened our strong tag.
    return "*" in tags or etag in tags or etag in (t.removeprefix("W/") for t in tags)


def check_if_match(request, current_data) -> None:
    """Refuse an update made against a representation that is no longer current."""
    header = request.headers.get("If-Match")
    if header and not _matches(header, etag_for(current_data)):
        raise PreconditionFailed()


class ConditionalMixin:
    """Adds ETag to successful GET answers and answers 304 when If-None-Match already has it."""

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == status.HTTP_200_OK
            and isinstance(response, Response)
            and response.data is not None
        ):
            etag = etag_for(response.data)
            header = request.headers.get("If-None-Match")
            if header and _matches(header, etag):
                response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
        elif (
            request.method in ("PUT", "PATCH", "POST")
            and response.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED)
            and isinstance(response, Response)
            and isinstance(response.data, dict)
            and "id" in response.data
        ):
            # The answer to a write is the new representation: its ETag is what If-Match needs next.
            response["ETag"] = etag_for(response.data)
        return super().finalize_response(request, response, *args, **kwargs)

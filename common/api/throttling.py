"""One request budget per API token, per signed-in user, and per address for anonymous callers."""

import logging

from rest_framework.throttling import SimpleRateThrottle

from common.cache_errors import CACHE_ERRORS
from common.metrics import CACHE_FAILURES

logger = logging.getLogger(__name__)


class CallerRateThrottle(SimpleRateThrottle):
    scope = "caller"

    def get_cache_key(self, request, view):
        token_pk = getattr(request.auth, "pk", None)
        if token_pk is not None:
            ident = f"token:{token_pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            # Fails open: refusing every call because the counters are out of reach would turn a
            # cache outage into a full API outage.
            CACHE_FAILURES.labels(feature="throttling").inc()
            logger.warning("Throttling skipped, the cache is unavailable (%s)", type(exc).__name__)
            return True

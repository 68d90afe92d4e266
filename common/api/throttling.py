"""One request budget per API token, per signed-in user, and per address for anonymous callers.

The budget (``API_THROTTLE_RATE``, say 5,000 an hour) is counted in a sliding window made of two
counters in the shared cache: the calls of the current window (an hour, with that rate) and of the
one before. Each call is first counted with the cache's atomic ``incr``, then let through while

    previous × (share of the current window still to run) + current (this call included) ≤ budget,

and counted back out when refused. DRF's ``SimpleRateThrottle`` instead keeps every call's time in
one list that it reads, extends and writes back on each call: its cost grows with the budget (5,000
times pickle to 45 KB, read from and written to Redis on every call), and two concurrent calls of
one caller each write back their own list, so one of them is not counted. Two integers cost the same
at any budget, and concurrent calls are all counted. On Redis the count, its expiry and the previous
count take one round trip (a pipeline); other caches use ``add``/``incr``/``get``.

The estimate assumes the previous window's calls were spread evenly across it. A refused call is not
counted, so a caller that keeps calling while refused is let in again as its window slides, as with
DRF.
"""

import contextlib
import logging
import math

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

from common.cache_errors import CACHE_ERRORS
from common.metrics import CACHE_FAILURES

logger = logging.getLogger(__name__)


class CallerRateThrottle(SimpleRateThrottle):
    scope = "caller"
    cache_alias = DEFAULT_CACHE_ALIAS

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
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            return self._allow(self.timer())
        except CACHE_ERRORS as exc:
            # Fails open: refusing every call because the counters are out of reach would turn a
            # cache outage into a full API outage.
            CACHE_FAILURES.labels(feature="throttling").inc()
            logger.warning("Throttling skipped, the cache is unavailable (%s)", type(exc).__name__)
            return True

    def _allow(self, now: float) -> bool:
        window, self.into = divmod(now, self.duration)
        current_key, previous_key = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        # Counted first, atomically, so that concurrent calls each see their own count.
        backend = caches[self.cache_alias]
        if isinstance(backend, RedisCache):
            counted, previous = self._count_in_redis(backend, current_key, previous_key)
        else:
            previous, counted = backend.get(previous_key, 0), self._count(backend, current_key)
        self.previous, self.current = previous, counted - 1
        if previous * (self.duration - self.into) / self.duration + counted > self.num_requests:
            # Refused: not counted (unless the counter is already gone: evicted, or the cache emptied).
            with contextlib.suppress(ValueError):
                backend.decr(current_key)
            return False
        return True

    def _count_in_redis(self, backend: RedisCache, current_key: str, previous_key: str) -> tuple[int, int]:
        """One round trip: INCR (which starts a missing counter at 1), its expiry, the previous count."""
        current, previous = (
            backend.make_and_validate_key(current_key),
            backend.make_and_validate_key(previous_key),
        )
        client = backend._cache.get_client(current, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(current)
        pipe.expire(current, 2 * self.duration)
        pipe.get(previous)
        counted, _, previous_count = pipe.execute()
        return counted, int(previous_count or 0)

    def _count(self, backend, key: str) -> int:
        """The window's count once this call is added. The counter is kept two windows: the next
        window reads it as its previous one."""
        for _ in range(2):
            if backend.add(key, 1, timeout=2 * self.duration):
                return 1
            try:
                return backend.incr(key)
            except ValueError:
                continue  # expired between add and incr
        return 1

    def wait(self):
        """Seconds until a call would be let through again (for ``Retry-After``), if no other call is
        counted meanwhile: until previous × (1 − t / duration) + current + 1 ≤ budget, t being the
        time into the window."""
        budget, duration = self.num_requests, self.duration
        if budget < 1:
            return None  # no call is ever let through
        if self.current < budget:
            # Within this window, once the previous window weighs little enough (it weighs: it is
            # what refused this call).
            at = duration * (1 - (budget - 1 - self.current) / self.previous)
            return max(math.ceil(at - self.into), 1)
        # In the next window, where this window's calls weigh as the previous ones.
        at = duration * (1 - (budget - 1) / self.current)
        return math.ceil(duration - self.into + at)

"""What the shared cache raises when it is down or hung (Redis), as one tuple to catch.

Features on the cache degrade instead of answering 500 (docs/deploy.md, "What degrades"): the
request throttle lets requests through, idempotency-keyed writes are refused with 503.
"""

from redis.exceptions import RedisError

CACHE_ERRORS = (RedisError, OSError)

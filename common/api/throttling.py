"""One request budget per API token, per signed-in user, and per address for anonymous callers."""

from rest_framework.throttling import SimpleRateThrottle


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

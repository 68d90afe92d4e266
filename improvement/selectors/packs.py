"""Which portfolio packs a person reads: the ones they asked for, and (admins and executives) the
scheduled ones, which cover the whole organisation."""

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from improvement.models import PortfolioPack

PACK_READERS = (Role.ADMIN, Role.EXECUTIVE)


def pack_can_read(*, user: User, pack: PortfolioPack) -> bool:
    if pack.requested_by_id is not None:
        return pack.requested_by_id == user.pk
    return user.role in PACK_READERS


def pack_list(*, user: User) -> QuerySet[PortfolioPack]:
    """The packs ``user`` may read, newest first (``pack_can_read`` for one pack)."""
    readable = Q(requested_by=user)
    if user.role in PACK_READERS:
        readable |= Q(requested_by__isnull=True)
    return PortfolioPack.objects.filter(readable).select_related("requested_by", "previous")

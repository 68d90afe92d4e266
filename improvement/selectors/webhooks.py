"""Reads of webhook subscriptions and their delivery log."""

from django.db.models import QuerySet

from accounts.models import User
from improvement.models import WebhookDelivery, WebhookSubscription


def webhook_subscription_list(*, user: User) -> QuerySet[WebhookSubscription]:
    """The caller's own subscriptions; every subscription for admins."""
    qs = WebhookSubscription.objects.select_related("owner")
    return qs if user.is_admin else qs.filter(owner=user)


def webhook_delivery_list(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """A subscription's delivery log: each delivery with its event and attempts (3 queries a page)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related("attempts")
    )

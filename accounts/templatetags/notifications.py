from django import template

from accounts.notifications import notification_kind_label, notification_unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """The signed-in user's unread notifications, for the site header (one COUNT query)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return notification_unread_count(user=user)


@register.filter
def kind_label(kind: str) -> str:
    """A notification kind as the site shows it: ``{{ n.kind|kind_label }}``."""
    return notification_kind_label(kind)

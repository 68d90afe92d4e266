"""``{% load roles %}`` then ``{{ user.role|role_label }}``: the role in the reader's language."""

from django import template

from accounts import labels

register = template.Library()


@register.filter
def role_label(role) -> str:
    return labels.role_label(role)

"""A timeline's milestone row, written in Python: ``{% load timeline %}{% timeline_row row %}``.

The same HTML as the template it replaced (tests/web/test_timeline_row.py renders both), with its
status badges and its actions (``milestone_status.html``, ``milestone_actions.html``) written in
place. Through the templates each row took about 1 ms of CPU (two nested includes, seven translated
strings, three addresses reversed, a form): the roadmap's first page of 54 milestones spent most of
its time there (bench/).
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from common.templatetags.dates import local_date
from improvement.models import MilestoneStatus

register = template.Library()

# What ``{{ name }}`` writes for a name the context does not hold (no ``string_if_invalid`` is set).
_MISSING = object()


def _csrf_input(context) -> str:
    """What ``{% csrf_token %}`` writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _next(context) -> tuple[str, str]:
    """``{{ next }}`` and ``{{ next|urlencode }}``: empty when the context holds no ``next``."""
    value = context.get("next", _MISSING)
    if value is _MISSING:
        return "", ""
    return format_html("{}", value), urlencode(value)


def status_badges(milestone, *, overdue: bool) -> SafeString:
    """``milestone_status.html``: the status in words, and "Overdue" beside it when it is."""
    badges = format_html(
        '<span class="badge badge-{}">{}</span>', milestone.status, milestone.get_status_display()
    )
    if overdue:
        badges += format_html(' <span class="badge badge-overdue">{}</span>', gettext("Overdue"))
    return badges


def _open_actions(context, milestone) -> SafeString:
    """``milestone_actions.html`` for an open milestone its reader may update."""
    following, following_in_query = _next(context)
    title = milestone.title
    return format_html(
        '<form method="post" action="{}" class="inline-form">\n'
        '      {}<input type="hidden" name="version" value="{}">'
        '<input type="hidden" name="next" value="{}">\n'
        '      <button class="button button-small button-success" type="submit">{}'
        '<span class="visually-hidden">: {}</span></button>\n'
        "    </form>\n"
        '  <a class="button button-small button-secondary" href="{}?next={}">{}'
        '<span class="visually-hidden">: {}</span></a>\n'
        '<a class="button button-small button-secondary" href="{}">{}'
        '<span class="visually-hidden">: {}</span></a>',
        reverse("improvement:milestone_complete", args=[milestone.pk]),
        _csrf_input(context),
        localize(milestone.version),
        following,
        gettext("Mark done"),
        title,
        reverse("improvement:milestone_edit", args=[milestone.pk]),
        mark_safe(following_in_query),  # percent-encoded by ``urlencode``: no markup is left
        gettext("Update"),
        title,
        reverse("improvement:conversation", args=["milestone", milestone.pk]),
        gettext("Conversation"),
        title,
    )


@register.simple_tag(takes_context=True)
def timeline_row(context, row) -> SafeString:
    """One ``<li class="timeline-row">``: the milestone's title, owner, due date, status, where it lies
    against the window, its actions, and its dot on the track (``context["timeline"].today_left``
    marks today)."""
    milestone, overdue = row.milestone, row.overdue
    owner = milestone.owner.get_full_name() if milestone.owner_id else ""
    due = gettext('due <time datetime="%(iso)s">%(day)s</time>') % {
        "iso": format_html("{}", date_filter(milestone.due_date, "Y-m-d")),
        "day": format_html("{}", local_date(milestone.due_date, "j M")),
    }
    status = (
        status_badges(milestone, overdue=overdue)
        if milestone.status != MilestoneStatus.PLANNED or overdue
        else ""
    )
    if row.before_window:
        window = format_html('<span class="small muted">{}</span>', gettext("(before this window)"))
    elif row.after_window:
        window = format_html('<span class="small muted">{}</span>', gettext("(after this window)"))
    else:
        window = ""
    can_update = getattr(milestone, "can_update", False)
    actions = (
        format_html('<div class="actions">{}</div>', _open_actions(context, milestone))
        if can_update and milestone.is_open
        else ""
    )
    timeline = context.get("timeline")
    today_left = getattr(timeline, "today_left", None)
    today = (
        format_html('<span class="timeline-today" style="left: {}%"></span>', f"{today_left:.2f}")
        if today_left is not None
        else ""
    )
    return format_html(
        '<li class="timeline-row">\n'
        '  <div class="timeline-label">\n'
        "    {}\n"
        '    <span class="who">· {} · {}</span>\n'
        "    {}\n    {}\n    {}\n"
        "  </div>\n"
        '  <div class="timeline-track" aria-hidden="true">\n'
        "    {}\n"
        '    <span class="timeline-dot {}{}" style="left: {}%" title="{} — {} — {}{}"></span>\n'
        "  </div>\n"
        "</li>",
        milestone.title,
        owner or gettext("no owner"),
        mark_safe(due),  # the catalogue's markup around the escaped dates
        status,
        window,
        actions,
        today,
        milestone.status,
        " overdue" if overdue else "",
        f"{row.left:.2f}",
        milestone.title,
        date_filter(milestone.due_date, "j M Y"),
        milestone.get_status_display(),
        gettext(", overdue") if overdue else "",
    )

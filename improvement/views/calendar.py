"""An iCalendar feed of a person's milestones, behind a signed URL a calendar app can subscribe to.

The token is the user's id and feed generation signed with the site's secret key. Getting a new
address (``calendar_feed_rotate``) raises the generation, so every earlier address stops working.
Generation 0 signs the bare id, the format of the addresses given out before rotation existed, so
those keep working until their owner rotates. The access log redacts the token (common/logging.py).
"""

import datetime as dt

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from accounts.models import User
from accounts.services import calendar_feed_rotate
from common.web import site_view
from improvement.models import MilestoneStatus
from improvement.selectors.roadmap import milestone_calendar

TOKEN_SALT = "improvement.calendar-feed"
# Old milestones stay in the feed for a while so a calendar keeps the recent past.
FEED_LOOK_BACK_DAYS = 180
PRODID = "-//PDCA Tracker//Milestones//EN"
MSG_BAD_TOKEN = gettext_noop("Unknown calendar link.")
MSG_ROTATED = gettext_noop(
    "Your calendar has a new address; the old one no longer works. Subscribe again with it."
)


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT, algorithm="sha256")


def calendar_token(user: User) -> str:
    generation = user.calendar_feed_generation
    return _signer().sign(f"{user.pk}.{generation}" if generation else str(user.pk))


def user_for_token(token: str) -> User | None:
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    pk, _, generation = value.partition(".")
    return User.objects.filter(
        pk=int(pk), is_active=True, calendar_feed_generation=int(generation or 0)
    ).first()


@site_view
def calendar_page(request):
    path = reverse("improvement:calendar_feed", args=[calendar_token(request.user)])
    return render(request, "improvement/calendar.html", {"feed_url": request.build_absolute_uri(path)})


@site_view
@require_POST
def calendar_rotate(request):
    calendar_feed_rotate(actor=request.user)
    messages.success(request, gettext(MSG_ROTATED))
    return redirect("improvement:calendar")


def calendar_feed(request, token: str):
    user = user_for_token(token)
    if user is None:
        raise Http404(gettext(MSG_BAD_TOKEN))
    today = timezone.localdate()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", gettext("Milestones of {name}").format(name=user.get_full_name()))
    for milestone in milestone_calendar(owner=user, since=today - dt.timedelta(days=FEED_LOOK_BACK_DAYS)):
        initiative = milestone.initiative
        url = request.build_absolute_uri(reverse("improvement:initiative_detail", args=[initiative.pk]))
        done = "✓ " if milestone.status == MilestoneStatus.DONE else ""
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@{request.get_host()}")
        event.add("summary", f"{done}{initiative.code}: {milestone.title}")
        event.add("dtstart", milestone.due_date)
        # A duration, not an end date: a milestone due on the last representable day still has one.
        event.add("duration", dt.timedelta(days=1))
        event.add("dtstamp", milestone.updated_at)
        status = gettext("Status: {status}").format(status=milestone.get_status_display())
        event.add("description", f"{initiative.title}\n{status}\n{url}")
        event.add("url", url)
        event.add("status", "CANCELLED" if milestone.status == MilestoneStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="milestones.ics"'
    return response

"""Every active initiative's milestones on one 90-day timeline, by team and owner, 25 initiatives a page.

The same milestones read as a timeline (a lane per initiative) or as a list (one row per milestone
with its title, owner, due date and status written out), for readers who cannot see hover tooltips.
"""

import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from accounts.selectors import team_list
from common.web import site_view
from improvement import policies
from improvement.forms import RoadmapFilterForm
from improvement.selectors.roadmap import milestone_owner_labels, milestone_owner_list, milestone_roadmap
from improvement.views.timeline import WINDOW_DAYS, build_timeline

# The default window looks back a little so what just slipped stays in view.
LOOK_BACK_DAYS = 30
STEP_DAYS = 30
VIEW_TIMELINE = "timeline"
VIEW_LIST = "list"


@site_view
def roadmap(request):
    today = timezone.localdate()
    default_start = today - dt.timedelta(days=LOOK_BACK_DAYS)
    form = RoadmapFilterForm(
        request.GET or None,
        teams=team_list(user=request.user),
        owners=milestone_owner_list(user=request.user),
        owner_labels=milestone_owner_labels(user=request.user),
        initial={"start": default_start},
    )
    filters = form.cleaned_data if form.is_valid() else {}
    start = filters.get("start") or default_start
    page, milestones = milestone_roadmap(
        user=request.user,
        start=start,
        end=start + dt.timedelta(days=WINDOW_DAYS),
        team=filters.get("team"),
        owner=filters.get("owner"),
        page=request.GET.get("page"),
    )
    for milestone in milestones:
        milestone.overdue = milestone.is_overdue(today=today)
        milestone.can_update = policies.can_update_milestone(request.user, milestone)
    view = VIEW_LIST if request.GET.get("view") == VIEW_LIST else VIEW_TIMELINE
    query = request.GET.copy()
    query.pop("start", None)
    # Moving the window starts again from the first page of initiatives.
    query.pop("page", None)
    same_window = request.GET.copy()
    same_window.pop("page", None)

    def as_view(name: str) -> str:
        switched = same_window.copy()
        switched["view"] = name
        return switched.urlencode()

    def shifted(days: int) -> str:
        moved = query.copy()
        moved["start"] = (start + dt.timedelta(days=days)).isoformat()
        return moved.urlencode()

    context = {
        "form": form,
        "timeline": build_timeline(milestones, start=start, today=today, by_initiative=True),
        "milestones": milestones,
        "listed": sorted(milestones, key=lambda m: (m.due_date, m.initiative.code, m.pk)),
        "view": view,
        "timeline_query": as_view(VIEW_TIMELINE),
        "list_query": as_view(VIEW_LIST),
        "next": request.get_full_path(),
        "page": page,
        "query": same_window.urlencode(),
        "earlier": shifted(-STEP_DAYS),
        "later": shifted(STEP_DAYS),
        "today_query": query.urlencode(),
    }
    return render(request, "improvement/roadmap.html", context)

"""The signed-in person's week: their milestones (overdue first), what they lead, what awaits them."""

import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from common.web import site_view
from improvement import policies
from improvement.selectors import my_milestones
from improvement.views.queries import (
    STATUS_UPDATE_STALE_DAYS,
    benefits_awaiting_validation,
    initiatives_needing_attention,
    led_initiatives,
)


@site_view
def my_work(request):
    user = request.user
    today = timezone.localdate()
    milestones = my_milestones(user=user, today=today)
    for milestone in milestones:
        milestone.overdue = milestone.is_overdue(today=today)
    led = led_initiatives(user=user)
    stale_before = today - dt.timedelta(days=STATUS_UPDATE_STALE_DAYS)
    for initiative in led:
        initiative.update_due = initiative.last_update_on is None or initiative.last_update_on < stale_before
    context = {
        "today": today,
        "milestones": milestones,
        "overdue_count": sum(1 for m in milestones if m.overdue),
        "led": led,
        "stale_days": STATUS_UPDATE_STALE_DAYS,
        "benefits": benefits_awaiting_validation(user=user) if policies.can_validate_benefit(user) else None,
        "attention": initiatives_needing_attention(user=user) if policies.can_override_gate(user) else None,
    }
    return render(request, "improvement/my_work.html", context)

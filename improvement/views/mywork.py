"""The signed-in person's week: their milestones (overdue first), what they lead, what awaits them."""

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from common.paging import CountedRows
from common.web import site_view
from improvement import policies
from improvement.selectors.initiatives import (
    AT_RISK_DEFINITION,
    initiative_at_risk_first,
    initiative_list_led,
    initiative_portfolio,
)
from improvement.selectors.money import benefit_list_awaiting_validation
from improvement.selectors.portfolio_rollup import benefit_awaiting_validation_count, portfolio_at_risk_count
from improvement.selectors.roadmap import milestone_list_owned

# A lead's update older than this is flagged on "My work".
STATUS_UPDATE_STALE_DAYS = 14
# "Needs your attention" shows this many, the worst first, with a link to all of them.
ATTENTION_ROWS = 10
# The benefits awaiting validation, a page at a time: a whole organisation's queue is thousands of
# rows (bench/: 1.5 s to write them all out at 10,000 initiatives, 14 s at 100,000).
BENEFITS_PER_PAGE = 25


@site_view
def my_work(request):
    user = request.user
    today = timezone.localdate()
    milestones = milestone_list_owned(user=user, today=today)
    for milestone in milestones:
        milestone.overdue = milestone.is_overdue(today=today)
        # A viewer, finance reviewer or executive may own a milestone yet never changes it.
        milestone.can_update = policies.can_update_milestone(user, milestone)
    led = initiative_list_led(user=user)
    stale_before = today - dt.timedelta(days=STATUS_UPDATE_STALE_DAYS)
    for initiative in led:
        initiative.update_due = initiative.last_update_on is None or initiative.last_update_on < stale_before
    benefits_page = None
    if policies.can_validate_benefit(user):
        queue = CountedRows(
            benefit_list_awaiting_validation(user=user), count=benefit_awaiting_validation_count(user=user)
        )
        benefits_page = Paginator(queue, BENEFITS_PER_PAGE).get_page(request.GET.get("page"))
    # What an executive may need to unblock: the portfolio's at-risk list (AT_RISK_DEFINITION), the
    # same rows in the same order as the dashboard's.
    attention = attention_total = None
    if policies.can_override_gate(user):
        portfolio = initiative_portfolio(user=user)
        attention = initiative_at_risk_first(
            initiatives=portfolio, limit=ATTENTION_ROWS, cache_key=":" if user.reads_everything else None
        )
        attention_total = portfolio_at_risk_count(user=user)
    context = {
        "today": today,
        "milestones": milestones,
        "overdue_count": sum(1 for m in milestones if m.overdue),
        "led": led,
        "stale_days": STATUS_UPDATE_STALE_DAYS,
        "benefits": None if benefits_page is None else list(benefits_page.object_list),
        "benefits_page": benefits_page,
        "attention": attention,
        "attention_total": attention_total,
        "at_risk_definition": gettext(AT_RISK_DEFINITION),
    }
    return render(request, "improvement/my_work.html", context)

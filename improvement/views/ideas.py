"""Ideas on the site."""

from django.shortcuts import render

from common.web import object_or_404, site_view
from improvement.selectors.ideas import idea_list

MSG_NOT_FOUND = "No such idea, or you cannot see it."


@site_view
def idea_detail(request, pk: int):
    idea = object_or_404(lambda **kw: idea_list(user=request.user).get(**kw), message=MSG_NOT_FOUND, pk=pk)
    return render(request, "improvement/idea_detail.html", {"idea": idea})

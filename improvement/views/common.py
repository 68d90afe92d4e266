"""What every initiative page shares: the initiative the URL names, if the user may see it."""

from django.http import HttpRequest

from common.web import object_or_404
from improvement.models import Initiative
from improvement.selectors import initiative_get

MSG_NOT_FOUND = "No such initiative, or you cannot see it."


def initiative_or_404(request: HttpRequest, pk: int) -> Initiative:
    return object_or_404(initiative_get, message=MSG_NOT_FOUND, user=request.user, pk=pk)

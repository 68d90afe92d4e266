"""What every initiative page shares: the initiative the URL names, if the user may see it."""

from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from common.web import object_or_404
from improvement.models import Initiative
from improvement.selectors import initiative_get

MSG_NOT_FOUND = gettext_noop("No such initiative, or you cannot see it.")


def initiative_or_404(request: HttpRequest, pk: int) -> Initiative:
    return object_or_404(initiative_get, message=gettext(MSG_NOT_FOUND), user=request.user, pk=pk)

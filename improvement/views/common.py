"""What every page of the site shares: login, refusals as 403/404, service errors onto forms."""

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from common import errors
from improvement.models import Initiative
from improvement.selectors import initiative_get

MSG_NOT_FOUND = "No such initiative, or you cannot see it."
# A service's per-row error key: ``variants[2].weight``, ``rows[0].conversions``.
ROW_ERROR = re.compile(r"(?P<group>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+)")


def site_view(view: Callable) -> Callable:
    """Signed-in users only; a service's refusal shows the 403 page, a missing record the 404 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc

    return login_required(wrapper)


def initiative_or_404(request: HttpRequest, pk: int) -> Initiative:
    try:
        return initiative_get(user=request.user, pk=pk)
    except Initiative.DoesNotExist as exc:
        raise Http404(MSG_NOT_FOUND) from exc


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields (``rows[0].value`` → ``value``)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, error_list in exc.error_dict.items():
        field = key.rsplit(".", 1)[-1]
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        for error in error_list:
            for message in error.messages:
                form.add_error(field if visible else None, message)


def rows_onto_forms(exc: ValidationError, group: str, forms: list) -> tuple[dict, list[str]]:
    """Put ``group[i].field`` errors on ``forms[i]``; return the other errors and the group's own."""
    if not hasattr(exc, "error_dict"):
        return {}, list(exc.messages)
    rest: dict = {}
    own: list[str] = []
    for key, error_list in exc.error_dict.items():
        match = ROW_ERROR.fullmatch(key)
        if match and match["group"] == group and int(match["index"]) < len(forms):
            row = forms[int(match["index"])]
            if match["field"] in row.fields:
                row.add_error(match["field"], error_list)
            else:
                own += [message for error in error_list for message in error.messages]
        elif key == group:
            own += [message for error in error_list for message in error.messages]
        else:
            rest[key] = error_list
    return rest, own


def submit(form, service: Callable, **kwargs) -> tuple[bool, Any]:
    """Call ``service``; its domain errors become errors on ``form``. Returns (succeeded, result).

    A failed gate also leaves its unmet conditions on ``form.unmet_conditions``. PermissionDenied is
    not caught: ``site_view`` turns it into the 403 page.
    """
    form.unmet_conditions = []
    try:
        return True, service(**kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
    except errors.GateFailed as exc:
        form.unmet_conditions = [c for c in exc.details or [] if not c.get("passed")]
        form.add_error(None, exc.message)
    except errors.Conflict as exc:
        form.add_error(None, exc.message)
    return False, None


def act(request: HttpRequest, service: Callable, *, success: str | None = None, **kwargs) -> tuple[bool, Any]:
    """Run a one-button action; its refusal (not a permission one) becomes a message on the next page."""
    try:
        result = service(**kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False, None
    except errors.Conflict as exc:
        messages.error(request, exc.message)
        return False, None
    if success:
        messages.success(request, success)
    return True, result


def redirect_back(request: HttpRequest, fallback: str):
    """Go to the ``next`` the form carried when it is a path on this site, else to ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)

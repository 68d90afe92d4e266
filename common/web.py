"""What every page of the site shares: login, refusals as 400/403/404, service errors onto forms.

This is the one place where the site catches the errors services raise; views call services through
``submit`` (a form), ``act`` (a button) or ``attempt`` (anything else) and never write ``except``.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from common import errors

# A service's per-row error key: ``variants[2].weight``, ``rows[0].conversions``.
ROW_ERROR = re.compile(r"(?P<group>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+)")


def site_view(view: Callable) -> Callable:
    """Signed-in users only; a service's refusal shows the 403 page, a missing record the 404 page.

    A ValidationError that reaches here was not meant for a form (the page never offers such input,
    e.g. a hand-made POST): it is the client's mistake, answered 400 with the service's messages.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        except ValidationError as exc:
            return HttpResponseBadRequest(" ".join(exc.messages))

    return login_required(wrapper)


def object_or_404(lookup: Callable, /, *, message: str, **kwargs) -> Any:
    """``lookup(**kwargs)`` (a user-scoped selector's ``get``), or the 404 page when it finds nothing."""
    try:
        return lookup(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404(message) from exc


@dataclass(frozen=True)
class Attempt:
    """What calling a service came to: its result, or the input error or conflict that refused it."""

    result: Any = None
    invalid: ValidationError | None = None
    # Conflict, or its GateFailed subclass: the record is in a state (or changed) that forbids it.
    refused: errors.Conflict | None = None

    @property
    def ok(self) -> bool:
        return self.invalid is None and self.refused is None


def attempt(service: Callable, /, **kwargs) -> Attempt:
    """Call ``service(**kwargs)``; a refusal the page can show is returned, not raised.

    PermissionDenied and NotFound are not caught: ``site_view`` turns them into the 403 and 404 pages.
    """
    try:
        return Attempt(result=service(**kwargs))
    except ValidationError as exc:
        return Attempt(invalid=exc)
    except errors.Conflict as exc:
        return Attempt(refused=exc)


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields (``rows[0].value`` → ``value``).

    A form whose field names differ from the service's arguments maps them in ``service_fields``
    (service key → form field); errors for keys with no visible field go to the top of the form.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    renamed = getattr(form, "service_fields", {})
    for key, error_list in exc.error_dict.items():
        field = key.rsplit(".", 1)[-1]
        field = renamed.get(field, field)
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


def submit(
    form, service: Callable, /, *, row_forms: tuple[str, list] | None = None, **kwargs
) -> tuple[bool, Any]:
    """Call ``service``; its domain errors become errors on ``form``. Returns (succeeded, result).

    A failed gate also leaves its unmet conditions on ``form.unmet_conditions``. With ``row_forms``
    (a group name such as ``"variants"`` and the forms of its rows, in the order the service got
    them) ``group[i].field`` errors go on the rows and the group's own on ``form.row_errors``.
    """
    form.unmet_conditions = []
    form.row_errors = []
    outcome = attempt(service, **kwargs)
    if outcome.invalid is not None:
        exc = outcome.invalid
        if row_forms is not None and hasattr(exc, "error_dict"):
            rest, form.row_errors = rows_onto_forms(exc, *row_forms)
            if rest:
                add_service_errors(form, ValidationError(rest))
        else:
            add_service_errors(form, exc)
    elif outcome.refused is not None:
        if isinstance(outcome.refused, errors.GateFailed):
            form.unmet_conditions = [c for c in outcome.refused.details or [] if not c.get("passed")]
        form.add_error(None, outcome.refused.message)
    return outcome.ok, outcome.result


def act(
    request: HttpRequest, service: Callable, /, *, success: str | None = None, **kwargs
) -> tuple[bool, Any]:
    """Run a one-button action; its refusal (not a permission one) becomes a message on the next page."""
    outcome = attempt(service, **kwargs)
    if outcome.invalid is not None:
        for message in outcome.invalid.messages:
            messages.error(request, message)
    elif outcome.refused is not None:
        messages.error(request, outcome.refused.message)
    elif success:
        messages.success(request, success)
    return outcome.ok, outcome.result


def redirect_back(request: HttpRequest, fallback: str):
    """Go to the ``next`` the form carried when it is a path on this site, else to ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)

"""Sign-offs on the site: the request form on the initiative page and the reviewer queue at /reviews/."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.web import act, object_or_404, redirect_back, site_view
from improvement.forms.signoffs import SignOffDecisionForm, SignOffRequestForm
from improvement.selectors.signoffs import sign_off_own, sign_off_request_list, sign_off_reviewable
from improvement.services import signoffs
from improvement.views.common import initiative_or_404

MSG_NOT_FOUND = "No such sign-off request, or you cannot see it."


def _request_or_404(request, pk: int):
    return object_or_404(
        lambda **kw: sign_off_request_list(user=request.user).get(**kw), message=MSG_NOT_FOUND, pk=pk
    )


def _detail_url(initiative_id: int) -> str:
    return reverse("improvement:initiative_detail", args=[initiative_id]) + "#stage"


@site_view
def reviews(request):
    """The pending requests the user can decide, each with its two forms, and their own requests."""
    queue = list(sign_off_reviewable(user=request.user))
    context = {
        "queue": queue,
        "own": sign_off_own(user=request.user),
        "form": SignOffDecisionForm(),
    }
    return render(request, "improvement/reviews.html", context)


@site_view
@require_POST
def sign_off_request_view(request, pk: int):
    initiative = initiative_or_404(request, pk)
    form = SignOffRequestForm(request.POST)
    if form.is_valid():
        act(
            request,
            signoffs.sign_off_request,
            success=_("Review requested."),
            actor=request.user,
            initiative=initiative,
            to_stage=form.cleaned_data["to_stage"],
            note=form.cleaned_data["note"],
        )
    return redirect(_detail_url(initiative.pk))


def _decide(request, pk: int, service, success) -> HttpResponse:
    """Approve or send back: the reviewer's comment goes with the decision."""
    sign_off = _request_or_404(request, pk)
    form = SignOffDecisionForm(request.POST)
    form.is_valid()
    act(
        request,
        service,
        success=success(sign_off),
        actor=request.user,
        request=sign_off,
        comment=form.cleaned_data.get("comment", ""),
    )
    return redirect_back(request, reverse("improvement:reviews"))


@site_view
@require_POST
def sign_off_approve_view(request, pk: int):
    return _decide(
        request,
        pk,
        signoffs.sign_off_approve,
        lambda sign_off: _("Approved: %(code)s may move on.") % {"code": sign_off.initiative.code},
    )


@site_view
@require_POST
def sign_off_send_back_view(request, pk: int):
    return _decide(
        request,
        pk,
        signoffs.sign_off_send_back,
        lambda sign_off: _("Sent back to %(name)s.") % {"name": sign_off.requested_by or "—"},
    )


@site_view
@require_POST
def sign_off_withdraw_view(request, pk: int):
    sign_off = _request_or_404(request, pk)
    act(
        request,
        signoffs.sign_off_withdraw,
        success=_("Request withdrawn."),
        actor=request.user,
        request=sign_off,
    )
    return redirect_back(request, _detail_url(sign_off.initiative_id))

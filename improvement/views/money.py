"""Costs and benefit lines of an initiative, and finance's validation of claimed benefits."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import act, object_or_404, redirect_back, site_view, submit
from improvement import policies
from improvement.forms import BenefitForm, CostForm
from improvement.selectors.money import benefit_get
from improvement.services.money import MSG_CANNOT_EDIT, benefit_create, benefit_validate, cost_create
from improvement.views.common import initiative_or_404

MSG_COST_ADDED = gettext_noop("Cost “{description}” added.")
MSG_BENEFIT_ADDED = gettext_noop("Benefit “{description}” added.")
MSG_VALIDATED = gettext_noop("Benefit “{description}” validated.")
MSG_UNVALIDATED = gettext_noop("Benefit “{description}” marked as not validated.")
MSG_BENEFIT_NOT_FOUND = gettext_noop("No such benefit, or you cannot see it.")


def _detail(pk: int) -> str:
    return reverse("improvement:initiative_detail", args=[pk]) + "#money"


def _money_form(request, pk: int, *, form_class, service, message: str, title: str):
    initiative = initiative_or_404(request, pk)
    if not policies.can_edit(request.user, initiative):
        raise PermissionDenied(gettext(MSG_CANNOT_EDIT))
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, line = submit(form, service, actor=request.user, initiative=initiative, **form.cleaned_data)
        if ok:
            messages.success(request, message.format(description=line.description))
            return redirect(_detail(pk))
    context = {"form": form, "initiative": initiative, "title": title}
    return render(request, "improvement/money_form.html", context)


@site_view
def cost_create_view(request, pk: int):
    return _money_form(
        request,
        pk,
        form_class=CostForm,
        service=cost_create,
        message=gettext(MSG_COST_ADDED),
        title=gettext("Add a cost"),
    )


@site_view
def benefit_create_view(request, pk: int):
    return _money_form(
        request,
        pk,
        form_class=BenefitForm,
        service=benefit_create,
        message=gettext(MSG_BENEFIT_ADDED),
        title=gettext("Add a benefit"),
    )


@require_POST
@site_view
def benefit_validate_view(request, pk: int):
    benefit = object_or_404(benefit_get, message=gettext(MSG_BENEFIT_NOT_FOUND), user=request.user, pk=pk)
    validated = request.POST.get("validated", "1") == "1"
    message = gettext(MSG_VALIDATED) if validated else gettext(MSG_UNVALIDATED)
    # The version of the line the page showed: a line changed since is not validated unseen.
    version = request.POST.get("version")
    act(
        request,
        benefit_validate,
        success=message.format(description=benefit.description),
        actor=request.user,
        benefit=benefit,
        validated=validated,
        expected_version=int(version) if version and version.isdigit() else None,
    )
    return redirect_back(request, _detail(benefit.initiative_id))

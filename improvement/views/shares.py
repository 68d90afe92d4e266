"""Share links on the site: the public read-only page an address opens, and creating, listing and
revoking links from the initiative and experiment pages.

The public page is rendered without the request: no context processor runs, so the session, the
signed-in user and the messages are never read, and no cookie is set. It carries
``Cache-Control: private, no-store``, ``Referrer-Policy: no-referrer`` and
``X-Robots-Tag: noindex, nofollow``; a tampered or unknown address answers 404, an expired or
revoked one 410, and neither is logged.
"""

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_POST

from common.errors import NotFound
from common.web import object_or_404, site_view, submit
from improvement import charts, experiment_chart, selectors
from improvement.forms.shares import ShareLinkForm
from improvement.models import ShareLink
from improvement.reports.a3 import FILENAME as A3_FILENAME
from improvement.reports.a3 import a3_pdf
from improvement.selectors.experiments import initiative_experiments
from improvement.selectors.initiatives import initiative_status_updates
from improvement.selectors.money import initiative_money
from improvement.selectors.roadmap import initiative_milestones
from improvement.selectors.shares import share_experiment, share_initiative, share_link_list
from improvement.selectors.stages import initiative_transitions
from improvement.selectors.targets import target_list
from improvement.services import shares
from improvement.views import experiment_readout as readout
from improvement.views.common import initiative_or_404
from improvement.views.experiments import experiment_or_404
from improvement.views.initiatives import _kpi_panels, _stage_bar
from improvement.views.reports import pdf_response

SHARE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow, noarchive",
}
MSG_REVOKED = gettext_noop("The link is revoked: it no longer opens.")


def _answer(template: str, context: dict, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context), status=status)
    for name, value in SHARE_HEADERS.items():
        response[name] = value
    return response


def _initiative_report(link: ShareLink) -> dict:
    initiative = share_initiative(pk=link.initiative_id)
    today = timezone.localdate()
    milestones = initiative_milestones(initiative=initiative)
    for milestone in milestones:
        milestone.overdue = milestone.is_overdue(today=today)
    money = initiative_money(initiative=initiative)
    targets = list(target_list(initiative_ids=[initiative.pk]))
    return {
        "initiative": initiative,
        "stages": _stage_bar(initiative),
        "kpi_panels": _kpi_panels(targets, cycle_started_on=initiative.cycle_started_on),
        "experiments": initiative_experiments(initiative=initiative),
        "milestones": milestones,
        "latest_status": next(iter(initiative_status_updates(initiative=initiative, limit=1)), None),
        "money": money,
        "money_chart": charts.money_chart(money=money),
        "transitions": initiative_transitions(initiative=initiative),
    }


def _experiment_report(link: ShareLink) -> dict:
    experiment = share_experiment(pk=link.experiment_id)
    results = selectors.experiment_results(experiment=experiment)
    chart = None
    if results:
        names = {v["key"]: v["name"] for v in results["variants"]}
        named = [{**c, "variant": names[c["variant"]]} for c in results["comparisons"]]
        chart = experiment_chart.experiment_interval_chart(comparisons=named, alpha=experiment.alpha)
    return {
        "experiment": experiment,
        "initiative": experiment.initiative,
        "results": results,
        "rows": readout.result_rows(results, unit=experiment.primary_kpi.unit),
        "verdicts": readout.verdict_items(experiment, results),
        "decision": readout.decision_item(results),
        "guardrail_rows": readout.guardrail_rows(results),
        "chart": chart,
        "confidence": f"{100 * (1 - experiment.alpha):g}",
    }


@require_GET
def share_page(request, token: str):
    """What one share address shows, to anyone who has it. No session, no navigation, no forms."""
    # Whoever holds the address is nobody in particular: set so that nothing (the access log's user
    # id included) reads the session to find out who is signed in in this browser.
    request.user = AnonymousUser()
    try:
        link = shares.share_link_open(
            token=token,
            address=request.META.get("REMOTE_ADDR", ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except NotFound:
        return _answer(
            "improvement/share/refused.html", {"message": gettext(shares.MSG_NOT_FOUND)}, status=404
        )
    except shares.ShareGone as exc:
        return _answer("improvement/share/refused.html", {"message": exc.message}, status=410)
    context = {"link": link, "now": timezone.now()}
    if link.initiative_id:
        return _answer("improvement/share/initiative.html", context | _initiative_report(link))
    return _answer("improvement/share/experiment.html", context | _experiment_report(link))


@require_GET
def share_a3(request, token: str):
    """The shared initiative's A3 report as PDF, for whoever holds the address (as the page)."""
    request.user = AnonymousUser()
    try:
        link = shares.share_link_open(
            token=token,
            address=request.META.get("REMOTE_ADDR", ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except NotFound:
        return _answer(
            "improvement/share/refused.html", {"message": gettext(shares.MSG_NOT_FOUND)}, status=404
        )
    except shares.ShareGone as exc:
        return _answer("improvement/share/refused.html", {"message": exc.message}, status=410)
    if not link.initiative_id:
        return _answer(
            "improvement/share/refused.html", {"message": gettext(shares.MSG_NOT_FOUND)}, status=404
        )
    initiative = share_initiative(pk=link.initiative_id)
    response = pdf_response(a3_pdf(initiative=initiative), filename=A3_FILENAME.format(code=initiative.code))
    for name, value in SHARE_HEADERS.items():
        response[name] = value
    return response


def _created(request, form, *, initiative=None, experiment=None):
    target = {"initiative": initiative} if initiative is not None else {"experiment": experiment}
    back = (
        reverse("improvement:initiative_detail", args=[initiative.pk])
        if initiative is not None
        else reverse("improvement:experiment_detail", args=[experiment.pk])
    )
    ok, result = False, None
    if form.is_valid():
        ok, result = submit(form, shares.share_link_create, actor=request.user, **target, **form.cleaned_data)
    context = {"form": form, "back": back + "#share", "initiative": initiative, "experiment": experiment}
    if ok:
        link, token = result
        context |= {
            "link": link,
            "address": request.build_absolute_uri(reverse("improvement:share", args=[token])),
        }
    response = render(request, "improvement/share_created.html", context, status=200 if ok else 400)
    # The address is shown this once: no copy of this page in any cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@site_view
def share_initiative_create(request, pk: int):
    initiative = initiative_or_404(request, pk)
    return _created(request, ShareLinkForm(request.POST), initiative=initiative)


@require_POST
@site_view
def share_experiment_create(request, pk: int):
    experiment = experiment_or_404(request, pk)
    return _created(request, ShareLinkForm(request.POST), experiment=experiment)


@require_POST
@site_view
def share_revoke(request, pk: int):
    link = object_or_404(
        lambda **kw: share_link_list(**kw).get(pk=pk),
        message=gettext(shares.MSG_NOT_FOUND),
        user=request.user,
    )
    shares.share_link_revoke(actor=request.user, link=link)
    target = (
        reverse("improvement:initiative_detail", args=[link.initiative_id])
        if link.initiative_id
        else reverse("improvement:experiment_detail", args=[link.experiment_id])
    )
    messages.success(request, gettext(MSG_REVOKED))
    return redirect(target + "#share")

"""A team's settings: its Slack and Teams destinations — add, send a test message, switch on, remove."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import object_or_404, site_view, submit
from improvement.forms.chat import ChatDestinationForm
from improvement.models import ChatEventType
from improvement.selectors.chat import chat_destination_list, chat_team_list
from improvement.services import chat

MSG_TEAM_NOT_FOUND = gettext_noop("No such team among those whose settings you manage.")
MSG_DESTINATION_NOT_FOUND = gettext_noop("No such chat destination among those you manage.")
MSG_ADDED = gettext_noop("Chat destination “{name}” added.")
MSG_TEST_SENT = gettext_noop("Test message to “{name}”: {outcome}")
MSG_REMOVED = gettext_noop("Chat destination “{name}” removed.")
MSG_ENABLED = gettext_noop("Chat destination “{name}” switched on.")
EVENT_LABELS = dict(ChatEventType.choices)


def _team_or_404(request, slug: str):
    return object_or_404(
        lambda **kw: chat_team_list(**kw).get(slug=slug),
        message=gettext(MSG_TEAM_NOT_FOUND),
        user=request.user,
    )


def _destination_or_404(request, pk: int):
    return object_or_404(
        lambda **kw: chat_destination_list(**kw).get(pk=pk),
        message=gettext(MSG_DESTINATION_NOT_FOUND),
        user=request.user,
    )


def _back(destination):
    return redirect("improvement:team_settings", destination.team.slug)


@site_view
def team_settings_index(request):
    teams = list(chat_team_list(user=request.user).order_by("name"))
    return render(request, "improvement/team_settings_index.html", {"teams": teams})


@site_view
def team_settings(request, slug: str):
    team = _team_or_404(request, slug)
    form = ChatDestinationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, destination = submit(
            form, chat.chat_destination_create, actor=request.user, team=team, **form.cleaned_data
        )
        if ok:
            messages.success(request, gettext(MSG_ADDED).format(name=destination.name))
            return redirect("improvement:team_settings", team.slug)
    destinations = list(chat_destination_list(user=request.user).filter(team=team).order_by("name", "id"))
    for destination in destinations:
        destination.event_labels = [EVENT_LABELS.get(e, e) for e in destination.events]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "improvement/team_settings.html",
        {
            "team": team,
            "form": form,
            "destinations": destinations,
            "teams": chat_team_list(user=request.user),
        },
        status=status,
    )


@require_POST
@site_view
def chat_destination_test_view(request, pk: int):
    destination = _destination_or_404(request, pk)
    delivery = chat.chat_destination_test(actor=request.user, destination=destination)
    delivery.refresh_from_db()
    outcome = {
        "succeeded": gettext("delivered."),
        "failed": gettext("failed; see the delivery log below."),
    }.get(delivery.status) or gettext("queued; it is retried if the chat app does not answer.")
    messages.info(request, gettext(MSG_TEST_SENT).format(name=destination.name, outcome=outcome))
    return _back(destination)


@require_POST
@site_view
def chat_destination_enable_view(request, pk: int):
    destination = _destination_or_404(request, pk)
    chat.chat_destination_update(actor=request.user, destination=destination, is_active=True)
    messages.success(request, gettext(MSG_ENABLED).format(name=destination.name))
    return _back(destination)


@require_POST
@site_view
def chat_destination_remove_view(request, pk: int):
    destination = _destination_or_404(request, pk)
    team_slug, name = destination.team.slug, destination.name
    chat.chat_destination_delete(actor=request.user, destination=destination)
    messages.success(request, gettext(MSG_REMOVED).format(name=name))
    return redirect("improvement:team_settings", team_slug)

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ApiTokenForm, PreferencesForm
from accounts.labels import SCOPE_LABELS
from accounts.notifications import (
    notification_kinds,
    notification_list,
    notification_mark_read,
    notification_mute_set,
    notification_muted_kinds,
    notification_unread_count,
)
from accounts.selectors import token_list
from accounts.services import token_create, token_revoke, token_scopes_allowed, user_preferences_update
from common.web import site_view, submit

NOTIFICATIONS_PER_PAGE = 50
MSG_MUTED = gettext_noop(
    "“{label}” muted: no more of these, here or by email. Unmute it under “What you hear about”."
)
MSG_UNMUTED = gettext_noop("“{label}” unmuted.")
MSG_PREFERENCES_SAVED = gettext_noop("Preferences saved.")
MSG_TOKEN_REVOKED = gettext_noop("Token “{name}” ({prefix}…) revoked.")


@site_view
def notification_list_view(request):
    page = Paginator(notification_list(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    muted = notification_muted_kinds(user=request.user)
    kinds = [{"value": v, "label": label, "muted": v in muted} for v, label in notification_kinds().items()]
    unread = notification_unread_count(user=request.user)
    context = {"page": page, "kinds": kinds, "unread": unread, "muted_count": len(muted)}
    return render(request, "accounts/notifications.html", context)


@site_view
@require_POST
def notification_read_view(request):
    """Mark the posted notifications read, or all of them when none is named."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notification_mark_read(actor=request.user, notification_ids=ids or None)
    return redirect("notifications:list")


@site_view
@require_POST
def notification_mute_view(request):
    """Mute or unmute a kind; a kind the page never offered is refused (400, by ``site_view``)."""
    kind, muted = request.POST.get("kind", ""), request.POST.get("muted") == "1"
    notification_mute_set(actor=request.user, kind=kind, muted=muted)
    label = notification_kinds()[kind]
    messages.success(request, gettext(MSG_MUTED if muted else MSG_UNMUTED).format(label=label))
    return redirect("notifications:list")


def _token_rows(user) -> list[dict]:
    """The user's tokens with their status and scope labels: one query however many tokens."""
    now = timezone.now()
    labels = SCOPE_LABELS
    rows = []
    for token in token_list(user=user):
        if token.revoked_at is not None:
            status = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            status = "expired"
        else:
            status = "active"
        rows.append({"token": token, "status": status, "scopes": [labels.get(s, s) for s in token.scopes]})
    return rows


@never_cache  # The response that shows a new secret must not be stored by any cache.
@site_view
@require_http_methods(["GET", "POST"])
def api_token_list_view(request):
    """The user's own API tokens, and a form to create one. A new secret is shown in this response only."""
    created = secret = None
    scopes = token_scopes_allowed(user=request.user)
    form = ApiTokenForm(request.POST if request.method == "POST" else None, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        ok, result = submit(
            form,
            token_create,
            actor=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        if ok:
            created, secret = result
            form = ApiTokenForm(scopes=scopes)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "rows": _token_rows(request.user), "created": created, "secret": secret},
    )


@site_view
@require_POST
def api_token_revoke_view(request, pk: int):
    """Revoke one of the user's own tokens; anyone else's is a 404, as if it did not exist."""
    token = get_object_or_404(token_list(user=request.user), pk=pk)
    token_revoke(actor=request.user, token=token)
    messages.success(request, gettext(MSG_TOKEN_REVOKED).format(name=token.name, prefix=token.prefix))
    return redirect("api_tokens")


@site_view
@never_cache
@require_http_methods(["GET", "POST"])
def preferences_view(request):
    """The signed-in user's name, time zone and language."""
    user = request.user
    initial = {"full_name": user.full_name, "time_zone": user.time_zone, "language": user.language}
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisation_zone=settings.TIME_ZONE,
    )
    if request.method == "POST" and form.is_valid():
        ok, _user = submit(form, user_preferences_update, actor=user, **form.cleaned_data)
        if ok:
            # The message is read on the next page: in the language just chosen.
            with translation.override(_user.language or translation.get_language()):
                messages.success(request, gettext(MSG_PREFERENCES_SAVED))
            return redirect("preferences")
    return render(request, "accounts/preferences.html", {"form": form, "now": timezone.now()})

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import LoginForm
from accounts.models import NotificationKind
from accounts.notifications import (
    notification_list,
    notification_mark_read,
    notification_mute_set,
    notification_muted_kinds,
    notification_unread_count,
)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


NOTIFICATIONS_PER_PAGE = 50


@login_required
def notification_list_view(request):
    page = Paginator(notification_list(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    muted = notification_muted_kinds(user=request.user)
    kinds = [{"value": v, "label": label, "muted": v in muted} for v, label in NotificationKind.choices]
    unread = notification_unread_count(user=request.user)
    return render(request, "accounts/notifications.html", {"page": page, "kinds": kinds, "unread": unread})


@login_required
@require_POST
def notification_read_view(request):
    """Mark the posted notifications read, or all of them when none is named."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notification_mark_read(actor=request.user, notification_ids=ids or None)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mute_view(request):
    try:
        notification_mute_set(
            actor=request.user, kind=request.POST.get("kind", ""), muted=request.POST.get("muted") == "1"
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    return redirect("notifications:list")

"""The provider's endpoints, its sign-in form, and a setup endpoint the tests call to add users."""

import json

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group, User
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def set_user(request):
    """Create or change a user: {"username", "password", "email", "first_name", "last_name", "groups"}."""
    data = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=data["username"])
    user.email = data.get("email", "")
    user.first_name, user.last_name = data.get("first_name", ""), data.get("last_name", "")
    user.set_password(data["password"])
    user.save()
    user.groups.set([Group.objects.get_or_create(name=name)[0] for name in data.get("groups", [])])
    return JsonResponse({"id": user.pk})


@csrf_exempt
def set_token_lifetime(request):
    """How long the ID tokens issued from now on live, in seconds (negative: already expired)."""
    settings.OIDC_IDTOKEN_EXPIRE = int(json.loads(request.body)["seconds"])
    return JsonResponse({"seconds": settings.OIDC_IDTOKEN_EXPIRE})


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="idp_login.html"), name="login"),
    path("setup/user/", set_user),
    path("setup/token-lifetime/", set_token_lifetime),
    path("", include("oidc_provider.urls", namespace="oidc_provider")),
]

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import PermissionDenied
from django.urls import reverse


class AdminSite(admin.AdminSite):
    """Only people with the admin role get in: staff status alone is not enough. One who has a
    two-factor device must have signed in with its code, and the admin's own login form (which
    would skip that code) sends people to the site's sign-in page instead."""

    site_header = "PDCA Tracker administration"
    site_title = "PDCA Tracker admin"
    index_title = "Back office"

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff and getattr(user, "is_admin", False)):
            return False
        # Imported here, not at the top: this module is loaded while the apps are being loaded.
        from django_otp import user_has_device

        # is_verified comes from django-otp's middleware; a request built without it has no code.
        verified = getattr(user, "is_verified", lambda: False)()
        return verified or not user_has_device(user)

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class AdminConfig(DjangoAdminConfig):
    """The Django admin, installed with the site above as its default site."""

    default_site = "common.admin_site.AdminSite"

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminSite(admin.AdminSite):
    """Only people with the admin role get in: staff status alone is not enough."""

    site_header = "PDCA Tracker administration"
    site_title = "PDCA Tracker admin"
    index_title = "Back office"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_admin", False))


class AdminConfig(DjangoAdminConfig):
    """The Django admin, installed with the site above as its default site."""

    default_site = "common.admin_site.AdminSite"

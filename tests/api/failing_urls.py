"""The site's URLs plus views that fail, to reach Django's error handlers (``@pytest.mark.urls``)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config import urls as site


def crash(request):
    raise RuntimeError("A bug outside the API's exception handler.")


def forbid(request):
    raise PermissionDenied


handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500

urlpatterns = [
    path("api/crash/", crash),
    path("api/forbidden/", forbid),
    path("crash/", crash),
    *site.urlpatterns,
]

from django.contrib import admin
from django.urls import include, path

from common.health import healthz, readyz
from common.help import help_page
from config.metrics import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("accounts/saml/", include("accounts.saml_urls")),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("accounts.notification_urls")),
    path("api/", include("config.api")),
    path("scim/v2/", include("accounts.scim.urls")),
    path("help/<slug:page>/", help_page, name="help"),
    # The signed-out visitor's language switch (templates/includes/language_form.html): a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("improvement.urls")),
]

# Under /api/ even a URL that matches no route, or a request Django refuses, answers the API's JSON
# error format; the rest of the site keeps its HTML pages (templates/404.html…).
handler400 = "common.api.errors.bad_request"
handler403 = "common.api.errors.permission_denied"
handler404 = "common.api.errors.page_not_found"
handler500 = "common.api.errors.server_error"

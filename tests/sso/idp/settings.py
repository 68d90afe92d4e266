"""A real OpenID Connect provider (django-oidc-provider) that the SSO tests start on loopback.

Its own tiny Django site: users with passwords and groups, one client (the product), RS256 keys.
Run by ``tests/sso/idp/serve.py``; never part of the product.
"""

import os

SECRET_KEY = "identity-provider-for-tests"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.sso.idp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["IDP_DATABASE"]}}
USE_TZ = True
LOGIN_URL = "/login/"
SITE_URL = os.environ.get("IDP_SITE_URL", "http://127.0.0.1")
OIDC_EXTRA_SCOPE_CLAIMS = "tests.sso.idp.claims.GroupClaims"
OIDC_USERINFO = "tests.sso.idp.claims.userinfo"
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
OIDC_IDTOKEN_EXPIRE = int(os.environ.get("IDP_IDTOKEN_EXPIRE", "600"))
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

"""Project settings, read from the environment.

Absent variables mean the embedded default: SQLite, in-process Celery tasks, console email.
Production hardening is switched on with ``DJANGO_ENV=production``.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.env import DJANGO_ENV, PRODUCTION, env, env_bool, env_list  # noqa: F401  (settings)
from config.settings_attachments import *  # noqa: F403  (attachments: storage, limits)
from config.settings_attachments import attachments_storage
from config.settings_auth import *  # noqa: F403  (users, passwords, lockout, two-factor, single sign-on, SCIM)
from config.settings_i18n import *  # noqa: F403  (languages, catalogues, localized formats)
from config.settings_ops import *  # noqa: F403  (Celery, outbox, cache, timeouts, health, metrics, logging)
from config.settings_ops import postgresql_options

BASE_DIR = Path(__file__).resolve().parent.parent

# Production refuses to start without what it cannot safely default.
PRODUCTION_REQUIRED = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL")
if PRODUCTION:
    missing = [name for name in PRODUCTION_REQUIRED if not env(name)]
    if missing:
        raise ImproperlyConfigured(f"Set {', '.join(missing)} when DJANGO_ENV=production.")
    SECRET_KEY = env("DJANGO_SECRET_KEY")
else:
    # A fixed key is fine for the local demo: nothing it signs leaves the machine.
    SECRET_KEY = env("DJANGO_SECRET_KEY", "local-development-key-not-for-production-use-0123456789")

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "common.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # SAML 2.0 single sign-on (its templates: the POST binding form and the refusal page).
    "djangosaml2",
    "common",
    "accounts",
    "kpis",
    "improvement",
]

MIDDLEWARE = [
    "common.logging.RequestIdMiddleware",
    "common.metrics.MetricsMiddleware",
    # A database down or not answering: 503 + Retry-After, and a bound on each wait for it.
    "common.db_unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language); a signed-in user's own choice wins (accounts/languages.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The SAML request/response bookkeeping cookie (only SAML sign-ins write it).
    "djangosaml2.middleware.SamlSessionMiddleware",
    # request.user.is_verified(): signed in with a two-factor code in this session.
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorRequiredMiddleware",
    # The signed-in user's time zone for pages and "today" (accounts/time_zones.py).
    "accounts.time_zones.UserTimeZoneMiddleware",
    "accounts.languages.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
        # A persistent connection left dead by a database restart is replaced, not handed to a request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several requests at once: write-ahead logging lets readers go on
    # while one writer works, IMMEDIATE transactions take the write lock up front (no deadlocking
    # upgrade from a read lock), and a writer waits for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a bounded wait for each answer in a request (common/postgresql/base.py),
    # and the connect, statement and TCP bounds of config/settings_ops.py (docs/deploy.md "Timeouts").
    DATABASES["default"]["ENGINE"] = "common.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(postgresql_options())
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Backups (export_data) keep times to the microsecond; see common/serialization.py.
SERIALIZATION_MODULES = {"json": "common.serialization"}

SESSION_COOKIE_AGE = int(env("DJANGO_SESSION_SECONDS", str(12 * 60 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Messages can carry a secret shown once (a new API token): keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.min.js is served from the installed plotly package, never copied into the repository.
    "improvement.charts.PlotlyJsFinder",
]
# Served for real (production, `make serve`), static files are collected under content-hashed names
# with gzip and brotli copies beside them, so whitenoise can tell browsers to keep them for a year
# ("immutable") and send the plotly bundle compressed. The test suite and `make run` (DEBUG) read the
# source files through the finders instead and need no collectstatic.
STATIC_HASHED = env_bool("DJANGO_STATIC_HASHED", default=PRODUCTION)
# Files the site writes (the portfolio packs' PDFs), through the "default" storage below.
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_HASHED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Comments' attachments: the local disk, or an S3-compatible bucket (config/settings_attachments.py).
STORAGES["attachments"] = attachments_storage(ATTACHMENTS_STORAGE)  # noqa: F405  (from settings_attachments)

# Every page loads its scripts, styles and charts from this site; nothing inline runs. Inline style
# attributes (timeline positions, progress bars, plotly's own styles) are allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "PDCA Tracker <noreply@localhost>")

# Links in emails point here.
PDCA_SITE_URL = env("PDCA_SITE_URL", "http://localhost:8000")

# Webhooks: receivers on loopback or private addresses are refused unless this is on.
PDCA_WEBHOOKS_ALLOW_PRIVATE = env_bool("PDCA_WEBHOOKS_ALLOW_PRIVATE")
# The whole attempt (connect, send, the answer) ends within this many seconds, however slowly the
# receiver trickles its answer.
PDCA_WEBHOOK_TIMEOUT_SECONDS = float(env("PDCA_WEBHOOK_TIMEOUT_SECONDS", "10"))
PDCA_WEBHOOK_MAX_ATTEMPTS = int(env("PDCA_WEBHOOK_MAX_ATTEMPTS", "6"))
# Retry n waits a random time up to backoff × 2^n seconds, capped at the maximum.
PDCA_WEBHOOK_BACKOFF_SECONDS = int(env("PDCA_WEBHOOK_BACKOFF_SECONDS", "30"))
# Retries wait in the outbox (a due time on the row), not in the broker, so the wait may be long.
PDCA_WEBHOOK_BACKOFF_MAX_SECONDS = int(env("PDCA_WEBHOOK_BACKOFF_MAX_SECONDS", "1800"))
# A subscription whose deliveries failed (every attempt) this many times in a row is disabled.
PDCA_WEBHOOK_DISABLE_AFTER = int(env("PDCA_WEBHOOK_DISABLE_AFTER", "5"))
# Chat destinations: an https address on hooks.slack.com (Slack) or a *.webhook.office.com host
# (Microsoft Teams). On, any http(s) host the address guard lets through is taken (development).
PDCA_CHAT_ANY_HOST = env_bool("PDCA_CHAT_ANY_HOST", default=DEBUG and not PRODUCTION)

# Money: the annual discount rate used for NPV (a fraction, 0.08 = 8 %).
PDCA_DISCOUNT_RATE = float(env("PDCA_DISCOUNT_RATE", "0.08"))
PDCA_ROI_HORIZON_MONTHS = int(env("PDCA_ROI_HORIZON_MONTHS", "12"))
# The organisation's payback target in months; an initiative may set its own.
PDCA_PAYBACK_TARGET_MONTHS = float(env("PDCA_PAYBACK_TARGET_MONTHS", "4"))
# The ISO 4217 code of every amount (costs, benefits, ROI figures); checked at startup.
PDCA_CURRENCY = env("PDCA_CURRENCY", "EUR")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# REST API v1 (config/api.py). Rates are per token, per signed-in user, or per address when anonymous.
API_PAGE_SIZE = int(env("API_PAGE_SIZE", "50"))
API_MAX_PAGE_SIZE = int(env("API_MAX_PAGE_SIZE", "500"))
API_THROTTLE_RATE = env("API_THROTTLE_RATE", "5000/hour")
API_IDEMPOTENCY_TTL_SECONDS = int(env("API_IDEMPOTENCY_TTL_SECONDS", str(24 * 60 * 60)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an unauthenticated call answers 401 with a Bearer challenge.
        "accounts.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "common.api.filtering.ApiFilterBackend",
        "common.api.filters.StrictOrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.PagePagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "EXCEPTION_HANDLER": "common.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "common.api.schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["common.api.throttling.CallerRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"caller": API_THROTTLE_RATE},
    "DATETIME_FORMAT": "iso-8601",
    # Bodies are JSON only, so the schema declares JSON only and generated clients work; the one real
    # upload (experiment observations) names its CSV and multipart parsers on its action. DRF's JSON
    # parser with a nesting bound (common/api/parsers.py): a deep body is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": ["common.api.parsers.ApiJSONParser"],
    # DRF's JSON written by orjson (common/api/renderers.py): same bytes, a fraction of the time.
    "DEFAULT_RENDERER_CLASSES": [
        "common.api.renderers.ApiJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PDCA Tracker API",
    "DESCRIPTION": "Improvement initiatives, KPIs, experiments and ROI for service teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "improvement.models.Stage",
        "InitiativeStatusEnum": "improvement.models.Status",
        "MilestoneStatusEnum": "improvement.models.MilestoneStatus",
        "CostKindEnum": "improvement.models.CostKind",
        "BenefitKindEnum": "improvement.models.BenefitKind",
        "KpiKindEnum": "kpis.models.KpiKind",
        "KpiChartTypeEnum": "kpis.models.ChartType",
        "DrawnChartEnum": "kpis.api.control_chart.CHART_KINDS",
        "ExperimentStatusEnum": "improvement.models.ExperimentStatus",
        "MetricTypeEnum": "improvement.models.MetricType",
        "ExperimentDecisionEnum": "improvement.models.ExperimentDecision",
        "InitiativeDecisionEnum": "improvement.models.Decision",
        "WebhookEventTypeEnum": "improvement.models.WebhookEventType",
        "WebhookDeliveryStatusEnum": "improvement.models.DeliveryStatus",
        "ChatKindEnum": "improvement.models.ChatKind",
        "ChatEventTypeEnum": "improvement.models.ChatEventType",
        "ChatDeliveryEventTypeEnum": "improvement.models.CHAT_DELIVERY_EVENT_CHOICES",
        "ImportKindEnum": "improvement.models.ImportKind",
        "ImportStatusEnum": "improvement.models.ImportStatus",
        "SignOffGateEnum": "improvement.models.GATED_STAGE_CHOICES",
        "SignOffStatusEnum": "improvement.models.SignOffStatus",
        "ReviewerRoleEnum": "improvement.models.ReviewerRole",
        # A comparison's and the omnibus' `test` (the first shared by the results by segment).
        "ComparisonTestEnum": ["z", "fisher_exact", "welch_t"],
        "OmnibusTestEnum": ["chi_square", "welch_anova"],
    },
    # Swagger UI is served from the installed sidecar package, never fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
INSTALLED_APPS += ["drf_spectacular_sidecar"]

# A read replica (docs/scaling.md): reads marked lag tolerant (common/db_router.py) go there, every
# other query to the primary. Same engine and options as the primary, only where to connect differs;
# in tests the alias mirrors the default database.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL)
    _where = ("NAME", "USER", "PASSWORD", "HOST", "PORT")
    DATABASES["replica"] = {
        **DATABASES["default"],
        **{key: _replica[key] for key in _where if key in _replica},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["common.db_router.ReplicaRouter"]

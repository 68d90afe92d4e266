"""Sign-in settings: the user model, passwords and lockout (django-axes), password reset, two-factor,
single sign-on (OpenID Connect, SAML 2.0) and SCIM provisioning (docs/deploy.md). ``config/settings.py``
imports every name defined here.
"""

from config.env import PRODUCTION, env, env_bool

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out email/address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "0.25"))  # hours
# Lock the account being guessed from the address guessing it: one attacker cannot lock everybody out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login form (Django's AuthenticationForm) posts the email as "username".
AXES_USERNAME_FORM_FIELD = "username"
# Count failures per account as login finds it (case and surrounding spaces do not matter there).
AXES_USERNAME_CALLABLE = "accounts.login.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(env("DJANGO_PROXY_COUNT", "1" if PRODUCTION else "0"))

# Password reset by email (docs/deploy.md, "Password reset and two-factor"): a link works once (it
# is tied to the password hash and the last sign-in) and for PASSWORD_RESET_TIMEOUT seconds,
# Django's default of 3 days unless set.
PASSWORD_RESET_TIMEOUT = int(env("DJANGO_PASSWORD_RESET_SECONDS", str(3 * 24 * 60 * 60)))
PASSWORD_RESET_RATE_PER_HOUR = int(env("PASSWORD_RESET_RATE_PER_HOUR", "5"))
# Two-factor (TOTP, django-otp): optional for everyone, required for admins when this is on.
REQUIRE_ADMIN_2FA = env_bool("REQUIRE_ADMIN_2FA")

# SCIM 2.0 provisioning at /scim/v2/ (accounts/scim, docs/deploy.md): users and teams from the identity
# provider. Users it creates (SCIM or single sign-on) without a role get IDP_DEFAULT_ROLE.
IDP_DEFAULT_ROLE = env("IDP_DEFAULT_ROLE", "viewer")

# Single sign-on with OpenID Connect (accounts/sso.py, docs/deploy.md): on when OIDC_RP_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", "")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_TIMEOUT = float(env("OIDC_TIMEOUT_SECONDS", "5"))
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_OP_LOGOUT_URL_METHOD = "accounts.sso.provider_logout_url"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=refused"
SSO_GROUPS_CLAIM = env("SSO_GROUPS_CLAIM", "groups")
# People who sign in through the identity provider cannot also use a local password.
SSO_DISABLE_LOCAL_PASSWORDS = env_bool("SSO_DISABLE_LOCAL_PASSWORDS")
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.sso.SsoBackend"]

# Single sign-on with SAML 2.0 (accounts/saml.py, docs/deploy.md): on when the identity provider's
# metadata is given (a file or an address) with this site's key pair and address.
SAML_IDP_METADATA_FILE = env("SAML_IDP_METADATA_FILE", "")
SAML_IDP_METADATA_URL = env("SAML_IDP_METADATA_URL", "")
SAML_GROUPS_ATTRIBUTE = env("SAML_GROUPS_ATTRIBUTE", "groups")
SAML_SESSION_COOKIE_SAMESITE = "None" if PRODUCTION else "Lax"
SAML_CONFIG = None
if SAML_IDP_METADATA_FILE or SAML_IDP_METADATA_URL:
    from config.saml import saml_config

    SAML_CONFIG = saml_config(
        site_url=env("PDCA_SITE_URL", "http://localhost:8000").rstrip("/"),
        metadata={"local": [SAML_IDP_METADATA_FILE]}
        if SAML_IDP_METADATA_FILE
        else {"remote": [{"url": SAML_IDP_METADATA_URL}]},
        key_file=env("SAML_SP_KEY_FILE", ""),
        cert_file=env("SAML_SP_CERT_FILE", ""),
        xmlsec=env("SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1"),
    )
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.saml.SamlBackend"]
SCIM_SERVICE_PROVIDER = {
    "NETLOC": "localhost",  # Unused: addresses follow the request (accounts.scim.config.base_location).
    "AUTHENTICATION_SCHEMES": [
        {"type": "oauthbearertoken", "name": "Bearer token", "description": "API token"}
    ],
    "USER_ADAPTER": "accounts.scim.users.ScimUser",
    "GROUP_MODEL": "accounts.models.Team",
    "GROUP_ADAPTER": "accounts.scim.teams.ScimTeam",
    "USER_FILTER_PARSER": "accounts.scim.filters.UserFilter",
    "GROUP_FILTER_PARSER": "accounts.scim.filters.TeamFilter",
    "SERVICE_PROVIDER_CONFIG_MODEL": "accounts.scim.config.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": "accounts.scim.config.base_location",
    "GET_OBJECT_POST_PROCESSOR_GETTER": "accounts.scim.teams.object_post_processor_getter",
    "GET_QUERYSET_POST_PROCESSOR_GETTER": "accounts.scim.teams.queryset_post_processor_getter",
    "AUTH_CHECK_MIDDLEWARE": "accounts.scim.auth.ScimTokenCheck",
}
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "PDCA Tracker")

"""The one spelling of a sign-in email that login and the lockout counter both use.

Login finds the account whatever the case or surrounding spaces; django-axes counted the raw form
value, so every spelling (``LOCKTEST@…``, `` locktest@…``, ``locktest@DEMO…``) got a fresh budget of
failures. Both now go through ``normalize_login_email``.
"""

import unicodedata


def normalize_login_email(value: str) -> str:
    # NFKC as Django does for usernames; lower() (not casefold()) matches how addresses are stored.
    return unicodedata.normalize("NFKC", value).strip().lower()


def axes_username(request, credentials: dict | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the posted email as login will look it up."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    return normalize_login_email(value) if isinstance(value, str) else value

"""Start the test identity provider.

``python -m tests.sso.idp.serve <port> <client_id> <secret> <redirect_uri>``

Migrates its own SQLite file, creates an RS256 key and the product's client, then serves on
127.0.0.1:<port> until killed.
"""

import os
import sys

import django
from django.core.management import call_command


def main() -> None:
    port, client_id, secret, redirect_uri = sys.argv[1:5]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.idp.settings"
    os.environ.setdefault("IDP_SITE_URL", f"http://127.0.0.1:{port}")
    django.setup()
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey", verbosity=0)
    client = Client.objects.create(
        name="PDCA Tracker",
        client_type="confidential",
        client_id=client_id,
        client_secret=secret,
        jwt_alg="RS256",
        require_consent=False,
        _redirect_uris=redirect_uri,
        _post_logout_redirect_uris="http://testserver/accounts/login/",
        _scope="openid email profile groups",
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, verbosity=0)


if __name__ == "__main__":
    main()

"""A real OpenID Connect provider on loopback (django-oidc-provider, tests/sso/idp) for the SSO tests."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "pdca-tracker", "client-secret-for-tests"
CALLBACK = "http://testserver/accounts/sso/callback/"


class Provider:
    def __init__(self, base: str):
        self.base = base

    def user(self, username: str, *, email: str, groups: list[str], name: str = "Ada Lovelace"):
        first, _, last = name.partition(" ")
        body = {"username": username, "password": f"{username}-pw-1A!", "email": email, "groups": groups}
        body.update(first_name=first, last_name=last)
        requests.post(f"{self.base}/setup/user/", data=json.dumps(body), timeout=5).raise_for_status()

    def token_lifetime(self, seconds: int) -> None:
        answer = requests.post(
            f"{self.base}/setup/token-lifetime/", data=json.dumps({"seconds": seconds}), timeout=5
        )
        answer.raise_for_status()

    def sign_in(self, authorize_url: str, username: str) -> str:
        """Play the browser at the provider: its sign-in form, then back to us. Returns our callback."""
        browser = requests.Session()
        answer = browser.get(authorize_url, allow_redirects=False, timeout=5)
        login_url = f"{self.base}{answer.headers['Location']}" if answer.status_code == 302 else authorize_url
        form = browser.get(login_url, timeout=5)
        csrf = browser.cookies["csrftoken"]
        nxt = parse_qs(urlsplit(login_url).query).get("next", [""])[0]
        answer = browser.post(
            login_url,
            data={
                "username": username,
                "password": f"{username}-pw-1A!",
                "csrfmiddlewaretoken": csrf,
                "next": nxt,
            },
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 302, form.text[:500]
        answer = browser.get(f"{self.base}{answer.headers['Location']}", allow_redirects=False, timeout=5)
        location = answer.headers["Location"]
        assert location.startswith(CALLBACK), location
        return location.removeprefix("http://testserver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "IDP_DATABASE": str(tmp_path_factory.mktemp("idp") / "idp.sqlite3")}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.idp.serve", str(port), CLIENT_ID, CLIENT_SECRET, CALLBACK],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/.well-known/openid-configuration", timeout=1).ok:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the identity provider did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield Provider(base)
    process.terminate()
    process.wait(10)


@pytest.fixture
def idp(oidc_server, settings):
    base = oidc_server.base
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{base}/end-session"
    settings.OIDC_OP_ISSUER = base
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.sso.SsoBackend"]
    return oidc_server

"""SAML 2.0 single sign-on end to end against a real identity provider (pysaml2) on loopback."""

import shutil

import pytest
from django.test import Client

from accounts.models import Role, SsoGroupMapping, User
from config.saml import saml_config
from tests.factories import TeamFactory
from tests.sso.saml_idp import XMLSEC, SamlProvider, key_pair

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("xmlsec1"), reason="SAML needs xmlsec1 (Debian package xmlsec1)"),
]
SITE = "http://testserver"


@pytest.fixture(scope="module")
def saml_keys(tmp_path_factory):
    directory = tmp_path_factory.mktemp("saml")
    return directory, *key_pair(directory, "sp")


@pytest.fixture
def idp(saml_keys, settings, tmp_path):
    _, sp_key, sp_cert = saml_keys
    from saml2.config import SPConfig
    from saml2.metadata import create_metadata_string

    # Our metadata for the provider, its metadata for us, then the provider starts.
    sp = saml_config(site_url=SITE, metadata={}, key_file=sp_key, cert_file=sp_cert, xmlsec=XMLSEC)
    sp_metadata = create_metadata_string(None, config=SPConfig().load(sp), sign=False).decode()
    provider = SamlProvider(tmp_path, sp_metadata)
    idp_file = tmp_path / "idp.xml"
    idp_file.write_text(provider.metadata)
    settings.SAML_CONFIG = saml_config(
        site_url=SITE, metadata={"local": [str(idp_file)]}, key_file=sp_key, cert_file=sp_cert, xmlsec=XMLSEC
    )
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.saml.SamlBackend"]
    yield provider
    provider.stop()


@pytest.fixture
def mapping(db):
    care = TeamFactory(name="Customer Care", slug="customer-care")
    SsoGroupMapping.objects.create(group="pdca-leads", role=Role.LEAD)
    SsoGroupMapping.objects.create(group="care", team=care)
    return care


def sign_in(idp, username: str):
    client = Client()
    start = client.get("/accounts/saml/login/")
    assert start.status_code == 302 and start["Location"].startswith(idp.base), start.content[:300]
    acs, fields = idp.answer(start["Location"], username)
    assert acs == f"{SITE}/accounts/saml/acs/"
    return client, client.post("/accounts/saml/acs/", fields)


def test_sign_in_creates_the_user_with_the_mapped_role_and_team(idp, mapping):
    idp.users["ada"] = {"email": "Ada@Example.com", "name": "Ada Lovelace", "groups": ["pdca-leads", "care"]}

    client, done = sign_in(idp, "ada")

    assert done.status_code == 302, done.content[:500]
    user = User.objects.get(email="ada@example.com")
    assert user.role == Role.LEAD and set(user.teams.all()) == {mapping}
    assert client.get("/my-work/").status_code == 200


def test_removed_from_the_groups_the_next_sign_in_is_refused(idp, mapping):
    idp.users["bob"] = {"email": "bob@example.com", "name": "Bob", "groups": ["pdca-leads"]}
    sign_in(idp, "bob")
    idp.users["bob"]["groups"] = ["somewhere-else"]

    client, refused = sign_in(idp, "bob")

    assert refused.status_code == 403
    assert User.objects.get(email="bob@example.com").is_active is False
    assert client.get("/my-work/").status_code == 302


def test_a_tampered_assertion_is_refused(idp, mapping):
    import base64

    idp.users["cy"] = {"email": "cy@example.com", "name": "Cy", "groups": ["pdca-leads"]}
    client = Client()
    start = client.get("/accounts/saml/login/")
    _, fields = idp.answer(start["Location"], "cy")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    forged = xml.replace("cy@example.com", "admin@example.com")
    fields["SAMLResponse"] = base64.b64encode(forged.encode()).decode()

    refused = client.post("/accounts/saml/acs/", fields)

    assert refused.status_code == 403
    assert not User.objects.filter(email__in=["cy@example.com", "admin@example.com"]).exists()


def test_an_expired_assertion_is_refused(idp, mapping):
    idp.users["eve"] = {"email": "eve@example.com", "name": "Eve", "groups": ["pdca-leads"]}
    idp.lifetime_minutes = -10

    _, refused = sign_in(idp, "eve")

    assert refused.status_code == 403
    assert not User.objects.filter(email="eve@example.com").exists()


def test_without_configuration_saml_is_not_offered(client, settings):
    settings.SAML_CONFIG = None
    assert client.get("/accounts/saml/login/").status_code == 404


def test_sign_out_ends_the_session_and_asks_the_provider_to_sign_out_too(idp, mapping):
    idp.users["dee"] = {"email": "dee@example.com", "name": "Dee", "groups": ["pdca-leads"]}
    client, _ = sign_in(idp, "dee")

    out = client.get("/accounts/saml/logout/")

    assert out.status_code == 302 and out["Location"].startswith(f"{idp.base}/slo?SAMLRequest=")
    assert client.get("/my-work/").status_code == 302

"""A real SAML 2.0 identity provider (pysaml2's Server) that the SAML tests start on loopback.

It answers the SP's AuthnRequest (HTTP-Redirect binding) with a signed assertion for the user the
test names, by the HTTP-POST binding (an auto-submitting form the test posts on). Its users and
their groups are set by the test; it can also issue assertions that are already expired.
"""

import datetime as dt
import threading
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

XMLSEC = "/usr/bin/xmlsec1"


def key_pair(directory: Path, name: str) -> tuple[str, str]:
    """A new RSA key and self-signed certificate, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class SamlProvider:
    def __init__(self, directory: Path, sp_metadata: str):
        self.users: dict[str, dict] = {}
        self.lifetime_minutes = 15
        self.httpd = make_server("127.0.0.1", 0, self.app, handler_class=_Quiet)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.key_file, self.cert_file = key_pair(directory, "idp")
        sp_file = directory / "sp.xml"
        sp_file.write_text(sp_metadata)
        config = IdPConfig()
        config.load(
            {
                "entityid": f"{self.base}/metadata",
                "xmlsec_binary": XMLSEC,
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "metadata": {"local": [str(sp_file)]},
                "service": {
                    "idp": {
                        "name": "Test identity provider",
                        "endpoints": {
                            "single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)],
                            "single_logout_service": [(f"{self.base}/slo", BINDING_HTTP_REDIRECT)],
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {"default": {"lifetime": {"minutes": 15}, "name_form": NAME_FORMAT_BASIC}},
                    }
                },
            }
        )
        self.server = Server(config=config)
        self.metadata = create_metadata_string(None, config=config, sign=False).decode()
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()

    def app(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if environ["PATH_INFO"] == "/metadata":
            start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
            return [self.metadata.encode()]
        if environ["PATH_INFO"] != "/sso":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        user = self.users[query["user"][0]]
        response_args = self.server.response_args(request.message)
        policy = Policy(
            {"default": {"lifetime": {"minutes": self.lifetime_minutes}, "name_form": NAME_FORMAT_BASIC}},
            mds=self.server.metadata,
        )
        response = self.server.create_authn_response(
            identity={"mail": [user["email"]], "displayName": [user["name"]], "groups": user["groups"]},
            userid=user["email"],
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user["email"]),
            authn={"class_ref": PASSWORD, "authn_auth": self.base},
            sign_assertion=True,
            sign_response=True,
            release_policy=policy,
            **response_args,
        )
        http = self.server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            response_args["destination"],
            query.get("RelayState", [""])[0],
            response=True,
        )
        start_response("200 OK", [("Content-Type", "text/html")])
        return [http["data"].encode() if isinstance(http["data"], str) else http["data"]]

    def answer(self, login_redirect: str, user: str) -> tuple[str, dict]:
        """Follow the SP's redirect to us as ``user``: the ACS address and the form fields to post."""
        import re

        import requests

        page = requests.get(f"{login_redirect}&user={user}", timeout=10).text
        action = re.search(r'action="([^"]+)"', page).group(1)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
        return action, fields

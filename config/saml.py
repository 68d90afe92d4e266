"""pysaml2's service-provider configuration for SAML single sign-on (read by config/settings.py)."""

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS


def saml_config(*, site_url: str, metadata: dict, key_file: str, cert_file: str, xmlsec: str) -> dict:
    """pysaml2's service-provider configuration for this site (``site_url`` without trailing /)."""
    return {
        "xmlsec_binary": xmlsec,
        "entityid": f"{site_url}/accounts/saml/metadata/",
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": "PDCA Tracker",
                "name_id_format": NAMEID_FORMAT_EMAILADDRESS,
                "endpoints": {
                    "assertion_consumer_service": [(f"{site_url}/accounts/saml/acs/", BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (f"{site_url}/accounts/saml/ls/", BINDING_HTTP_REDIRECT),
                        (f"{site_url}/accounts/saml/ls/post/", BINDING_HTTP_POST),
                    ],
                },
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
            }
        },
        "metadata": metadata,
        "key_file": key_file,
        "cert_file": cert_file,
        "encryption_keypairs": [{"key_file": key_file, "cert_file": cert_file}],
    }

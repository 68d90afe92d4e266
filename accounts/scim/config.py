"""What the service provider says of itself (``/scim/v2/ServiceProviderConfig``) and where it lives."""

from django_scim.models import SCIMServiceProviderConfig

# The most resources one list answer holds; a larger ``count`` is cut to this.
MAX_RESULTS = 200


def base_location(request=None, *args, **kwargs) -> str:
    """Absolute addresses in answers (``meta.location``) follow the address the caller used."""
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


class ServiceProviderConfig(SCIMServiceProviderConfig):
    def to_dict(self) -> dict:
        config = super().to_dict()
        config.update(
            {
                "filter": {"supported": True, "maxResults": MAX_RESULTS},
                "changePassword": {"supported": False},
                "sort": {"supported": False},
                "etag": {"supported": False},
                "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
                "authenticationSchemes": [
                    {
                        "type": "oauthbearertoken",
                        "name": "Bearer token",
                        "description": "An admin's API token with the scim:provision scope.",
                        "primary": True,
                    }
                ],
            }
        )
        return config

"""Attachments of comments (docs/ideas.md "Comments, mentions and attachments", docs/deploy.md).

Files go through the "attachments" storage of ``STORAGES``: the local disk under MEDIA_ROOT by default,
an S3-compatible bucket with ``ATTACHMENTS_STORAGE=s3``. The limits are read here once.
"""

from config.env import env, env_bool

ATTACHMENTS_STORAGE = (env("ATTACHMENTS_STORAGE", "local") or "local").lower()
# The largest file one upload may carry, and how many live attachments one record may have.
ATTACHMENTS_MAX_BYTES = int(env("ATTACHMENTS_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENTS_MAX_PER_PARENT = int(env("ATTACHMENTS_MAX_PER_PARENT", "50"))

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"


def attachments_storage(kind: str) -> dict:
    """The STORAGES entry of the attachments for ``kind`` ("local" or "s3"), options from the environment."""
    if kind == "local":
        return {"BACKEND": LOCAL_BACKEND}
    if kind != "s3":
        raise ValueError(f"ATTACHMENTS_STORAGE must be local or s3, not {kind!r}")
    options = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "region_name": env("AWS_S3_REGION_NAME"),
        # An S3-compatible store (MinIO, Ceph, R2…) is reached at its own address.
        "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
        "access_key": env("AWS_ACCESS_KEY_ID"),
        "secret_key": env("AWS_SECRET_ACCESS_KEY"),
        # Keys are attachments/YYYY/MM/<random>.<ext>, under this optional prefix.
        "location": env("ATTACHMENTS_S3_PREFIX", ""),
        # Files are private: downloads always go through the site, which checks access first.
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "auto"),
        "use_ssl": env_bool("AWS_S3_USE_SSL", default=True),
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": {k: v for k, v in options.items() if v is not None}}

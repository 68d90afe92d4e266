"""Service validation errors as SCIM errors: 409 ``uniqueness`` for a taken name, else 400.

Two identical creates at the same moment both pass the service's check; the database's unique
constraint refuses the second, which is the same 409.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError as DatabaseIntegrityError
from django_scim.exceptions import BadRequestError, IntegrityError, NotFoundError
from django_scim.views import SCIMView

from common.errors import PermissionDenied

MSG_CONCURRENT = "Another request created or changed the same user or group just now: read it and retry."


@contextmanager
def scim_errors():
    try:
        yield
    except ValidationError as error:
        codes = (
            {e.code for errors in error.error_dict.values() for e in errors}
            if hasattr(error, "error_dict")
            else set()
        )
        detail = " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        if "unique" in codes:
            raise IntegrityError(detail, scim_type="uniqueness") from None
        raise BadRequestError(detail, scim_type="invalidValue") from None
    except DatabaseIntegrityError:
        raise IntegrityError(MSG_CONCURRENT, scim_type="uniqueness") from None
    except PermissionDenied as error:
        raise BadRequestError(str(error)) from None


class UnknownResource(SCIMView):
    """``/Users/<id>`` or ``/Groups/<id>`` with an id that is not a number: no such resource."""

    http_method_names = ["get", "put", "patch", "delete"]

    def _missing(self, request, *args, **kwargs):
        raise NotFoundError(kwargs.get("uuid", ""))

    get = put = patch = delete = _missing

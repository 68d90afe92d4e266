"""Domain errors raised by services; the API exception handler maps them to HTTP statuses.

Services raise these (or Django's ``ValidationError`` for bad input) and never import DRF. The default
messages are translated when the error is raised (the active language: the page's or the API call's).
"""

from django.utils.translation import gettext, gettext_noop


class DomainError(Exception):
    default_message = gettext_noop("The request could not be carried out.")
    code = "error"

    def __init__(self, message: str | None = None, *, details: list | dict | None = None):
        self.message = message or gettext(self.default_message)
        self.details = details
        super().__init__(self.message)


class PermissionDenied(DomainError):
    default_message = gettext_noop("You are not allowed to do this.")
    code = "permission_denied"


class NotFound(DomainError):
    default_message = gettext_noop("Not found.")
    code = "not_found"


class Conflict(DomainError):
    """The record changed meanwhile, or is in a state that forbids the change."""

    default_message = gettext_noop("The record was changed by someone else; reload and try again.")
    code = "conflict"


class StaleVersion(Conflict):
    """The row's version moved on since the caller read it: optimistic locking refused the write.

    The API answers 412 when the request carried If-Match (its precondition failed, only later than
    the first check could see), 409 otherwise.
    """


class GateFailed(Conflict):
    """A PDCA stage gate refused the move; ``details`` lists each unmet condition."""

    default_message = gettext_noop("The stage gate is not met.")
    code = "gate_failed"

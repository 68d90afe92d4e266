"""Prioritisation settings: the weights of the ranked list and the reference break-point mix.

One row for the organisation, changed by admins only (the site's settings page, the API and the
Django admin all call ``priority_settings_update``). Two admins saving at once: each save names the
``updated_at`` it was made against, and the row is locked while that is compared, so the second
save is refused instead of silently undoing the first.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from common.errors import PermissionDenied, StaleVersion
from common.services import model_update
from improvement.models import PrioritySettings
from improvement.selectors.priorities import priority_settings_get

MSG_ADMIN_ONLY = gettext_noop("Only an admin can change the prioritisation settings.")
MSG_MIX_TOTAL = gettext_noop("The reference mix must add up to 100 %% (now %(total)s %%).")
MSG_NO_WEIGHT = gettext_noop("At least one weight must be above 0.")
MSG_CHANGED_MEANWHILE = gettext_noop(
    "Someone else changed the prioritisation settings meanwhile; reload the page and try again."
)
WEIGHT_FIELDS = ("weight_value", "weight_money", "weight_ease")
MIX_FIELDS = ("reference_interaction", "reference_process", "reference_technical")
SETTINGS_FIELDS = WEIGHT_FIELDS + MIX_FIELDS
MIX_TOTAL = 100
# The keys of the two rules that span several fields (the API and the forms show them as such).
MIX_KEY = "reference_mix"
WEIGHTS_KEY = "weights"


def _check(settings: PrioritySettings) -> None:
    errors = {}
    weights = [getattr(settings, name) for name in WEIGHT_FIELDS]
    if all(isinstance(w, int) and w == 0 for w in weights):
        errors[WEIGHTS_KEY] = gettext(MSG_NO_WEIGHT)
    mix = [getattr(settings, name) for name in MIX_FIELDS]
    if all(isinstance(share, int) for share in mix) and sum(mix) != MIX_TOTAL:
        errors[MIX_KEY] = gettext(MSG_MIX_TOTAL) % {"total": sum(mix)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def priority_settings_update(
    *, actor: User, expected_updated_at: dt.datetime | None = None, **data
) -> PrioritySettings:
    """Change weights and reference mix; the mix adds up to 100, and some weight is above 0.

    ``expected_updated_at``: when the caller read the settings; refused (``StaleVersion``) if they
    changed since.
    """
    if not actor.is_admin:
        raise PermissionDenied(gettext(MSG_ADMIN_ONLY))
    pk = priority_settings_get().pk
    settings = PrioritySettings.objects.select_for_update(of=("self",)).get(pk=pk)
    if expected_updated_at is not None and settings.updated_at != expected_updated_at:
        raise StaleVersion(gettext(MSG_CHANGED_MEANWHILE))

    def prepare(changed: list[str]) -> None:
        _check(settings)
        if changed:
            settings.updated_by = actor

    model_update(settings, actor=actor, data=data, allowed=SETTINGS_FIELDS, prepare=prepare)
    return settings

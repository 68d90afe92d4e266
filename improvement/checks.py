"""Start-up of the improvement app: the settings checks, and the translation functions the pure
modules (``improvement.words``) use, which cannot import Django themselves."""

from django.conf import settings
from django.core import checks
from django.utils import translation

from improvement import words
from improvement.currency import is_currency_code

MSG_BAD_CURRENCY = "PDCA_CURRENCY must be an ISO 4217 currency code such as EUR, USD or GBP; it is {value!r}."

# Imported once from ``ImprovementConfig.ready``: from then on the pure modules speak the active language.
words.install(gettext=translation.gettext, ngettext=translation.ngettext, pgettext=translation.pgettext)


@checks.register(checks.Tags.compatibility)
def currency_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    value = getattr(settings, "PDCA_CURRENCY", None)
    if is_currency_code(value):
        return []
    return [checks.Error(MSG_BAD_CURRENCY.format(value=value), id="improvement.E001")]

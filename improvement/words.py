"""Translation for the pure modules, which import no Django (see the import-linter contract).

``gettext``, ``ngettext`` and ``pgettext`` read the active language through the functions Django
installs at start-up (``install``, called from ``improvement.checks``, which the app's ``ready``
imports); before that — a plain-Python use, a statistics test — every message stays in English.
``gettext_noop`` marks a module-level constant for ``makemessages``; translate it where it is used.
"""

from collections.abc import Callable


def _english(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, number: int) -> str:
    return singular if number == 1 else plural


def _english_context(context: str, message: str) -> str:
    return message


_gettext: Callable[[str], str] = _english
_ngettext: Callable[[str, str, int], str] = _english_plural
_pgettext: Callable[[str, str], str] = _english_context


def install(
    *,
    gettext: Callable[[str], str],
    ngettext: Callable[[str, str, int], str],
    pgettext: Callable[[str, str], str],
) -> None:
    global _gettext, _ngettext, _pgettext
    _gettext, _ngettext, _pgettext = gettext, ngettext, pgettext


def gettext_noop(message: str) -> str:
    return message


def gettext(message: str) -> str:
    return _gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _ngettext(singular, plural, number)


def pgettext(context: str, message: str) -> str:
    return _pgettext(context, message)

"""Languages (docs/i18n.md): English, the default, and Simplified Chinese.

A signed-in user's own choice wins (``User.language``, accounts/languages.py), then the browser's
Accept-Language (Django's LocaleMiddleware), then English. The API follows Accept-Language.
"""

from pathlib import Path

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
USE_I18N = True

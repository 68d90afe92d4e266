import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every view now, then take what start-up allocated (about 300,000 objects: Django, DRF,
# numpy, scipy, reportlab…) out of the garbage collector's full passes. Without this, each full
# collection walks them all, about 175 ms of CPU that lands on whichever request triggered it
# (docs/performance.md, "Full garbage collections").
get_resolver().url_patterns  # noqa: B018 (the import is the point)
gc.freeze()

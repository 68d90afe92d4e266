"""Static files served for real carry content-hashed names, are cached for a year and go out
compressed; the local defaults read the source files and need no collectstatic."""

import os
import subprocess
import sys

from django.core.management import call_command
from django.test import Client, override_settings

from tests.config.test_security import PRODUCTION_ENV, ROOT

ONE_YEAR_SECONDS = 365 * 24 * 60 * 60
HASHED_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PRINT_STORAGE = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"


def _storage_under(env: dict) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT_STORAGE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_and_make_serve_collect_hashed_compressed_files_while_local_runs_read_sources():
    assert _storage_under(PRODUCTION_ENV) == HASHED_STORAGE
    assert _storage_under({"DJANGO_DEBUG": "false", "DJANGO_STATIC_HASHED": "true"}) == HASHED_STORAGE
    assert _storage_under({}) == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_a_hashed_file_is_cached_for_a_year_and_sent_compressed(tmp_path):
    source = tmp_path / "source"
    (source / "js").mkdir(parents=True)
    (source / "js" / "bundle.js").write_text("var chart = 'plotted';\n" * 2000)
    collected = tmp_path / "collected"
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=collected,
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": HASHED_STORAGE},
        },
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.templatetags.static import static

        url = static("js/bundle.js")
        assert url != "/static/js/bundle.js", "the name carries the content hash"
        client = Client()
        for encoding in ("br", "gzip"):
            response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
            assert response.status_code == 200
            assert response["Content-Encoding"] == encoding
            cache = response["Cache-Control"]
            assert "immutable" in cache
            max_age = int(cache.split("max-age=")[1].split(",")[0])
            assert max_age >= ONE_YEAR_SECONDS
            body = b"".join(response.streaming_content)
            assert len(body) < (source / "js" / "bundle.js").stat().st_size / 10

"""Static files: hashed names from the manifest, served by WhiteNoise with long cache headers."""

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_collectstatic_builds_hashed_names_that_whitenoise_serves(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)

    hashed = [p.name for p in (tmp_path / "css").glob("quarterdeck.*.css")]
    assert any(re.fullmatch(r"quarterdeck\.[0-9a-f]{12}\.css", name) for name in hashed)

    from django.templatetags.static import static

    url = static("css/quarterdeck.css")
    assert re.search(r"quarterdeck\.[0-9a-f]{12}\.css$", url)

    # A fresh WSGI handler, so WhiteNoise indexes the folder just built.
    response = Client().get(url)
    assert response.status_code == 200
    assert "max-age=315360000" in response["Cache-Control"]

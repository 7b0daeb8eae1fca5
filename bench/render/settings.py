"""The app as deployed, plus one trivial view to measure the report page against."""

from pathlib import Path

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.render.urls"
# Plain static storage: the manifest needs a collectstatic the benchmark has no use for.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise warns at every start when the collected-files folder is missing.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405

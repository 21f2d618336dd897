"""Test overrides, in one place: a throw-away data folder, fast hashing, eager
nothing (tasks that need a worker get a real one), plain static storage so pages
render with their real CSS links."""

from __future__ import annotations

import os
import tempfile

os.environ["IGDASH_ENV_FILE"] = os.devnull  # a developer's .env never leaks into tests
os.environ.setdefault("IGDASH_DATA_DIR", tempfile.mkdtemp(prefix="igdash-test-"))
os.environ.setdefault("IGDASH_SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from igdash.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Instagram's kept answers in the test run's own data folder, whatever Redis the
# environment names (conftest.py empties it before every test).
CACHES = {
    **CACHES,  # noqa: F405
    "instagram": {
        "BACKEND": "core.filecache.FileCache",
        "LOCATION": str(CACHE_DIR),  # noqa: F405
        "OPTIONS": {"MAX_ENTRIES": 20_000},
        "KEY_PREFIX": "igdash",
        "TIMEOUT": INSTAGRAM_CACHE_HOURS * 3600,  # noqa: F405
    },
}

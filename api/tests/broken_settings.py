"""igdash's settings with one API view broken on purpose (test_schemathesis.py
proves the schema run notices): GET /accounts/{username} drops a field its
schema requires."""

from igdash.settings import *  # noqa: F403

ROOT_URLCONF = "api.tests.broken_urls"

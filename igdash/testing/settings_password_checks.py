"""igdash's real settings with the counting password backend in place of
ModelBackend (igdash/testing/password_checks.py); for served-igdash tests."""

from __future__ import annotations

from igdash.settings import *  # noqa: F403
from igdash.settings import AUTHENTICATION_BACKENDS

AUTHENTICATION_BACKENDS = [
    "igdash.testing.password_checks.CountingModelBackend"
    if backend == "django.contrib.auth.backends.ModelBackend"
    else backend
    for backend in AUTHENTICATION_BACKENDS
]

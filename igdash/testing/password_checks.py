"""A password backend that counts its checks, for the login-throttle tests.

It is Django's ModelBackend plus one line appended to DATA_DIR/password-checks.log
per password check, so a test in another process (a served igdash) can count
how many passwords were really checked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


def checks_file() -> Path:
    return Path(settings.DATA_DIR) / "password-checks.log"


def checks_made() -> int:
    path = checks_file()
    return len(path.read_bytes().splitlines()) if path.exists() else 0


class CountingModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        # O_APPEND writes of one short line are atomic across threads and processes.
        fd = os.open(checks_file(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, b"check\n")
        finally:
            os.close(fd)
        return super().authenticate(request, username=username, password=password, **kwargs)

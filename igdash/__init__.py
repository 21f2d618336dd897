"""igdash: a self-hosted Instagram intelligence dashboard."""

from __future__ import annotations

from core.filemodes import set_private_umask

# First thing in every igdash process (each entry point imports this package
# before anything else): files and folders it makes are for its own user only.
set_private_umask()

import core  # noqa: E402
from igdash.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
__version__ = core.__version__

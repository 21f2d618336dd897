"""Django's file cache with a cheaper cull, for the day's cache of Instagram's
answers (settings.CACHES["instagram"] without Redis).

Django's FileBasedCache lists its whole folder on every write to decide whether
to cull: 10 ms a write at 2,000 entries, 27 ms at 10,000, more than the rest of
a listing page's own work. Here the folder is listed at most once a minute per
process; between two culls it may hold a minute's writes more than MAX_ENTRIES,
which bounds nothing that matters (a page of posts is a few kilobytes).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY_SECONDS = 60.0

_lock = threading.Lock()
_last_cull: dict[str, float] = {}  # folder -> monotonic time of its last cull


class FileCache(FileBasedCache):
    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self._folder = str(dir)

    def _cull(self) -> None:
        now = time.monotonic()
        with _lock:
            last = _last_cull.get(self._folder)
            if last is not None and now - last < CULL_EVERY_SECONDS:
                return
            _last_cull[self._folder] = now
        super()._cull()  # type: ignore[misc]  # private in Django, absent from the stubs

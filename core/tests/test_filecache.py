"""The answer cache's file backend: Django's file cache, but the folder is listed
(culled) at most once a minute instead of on every write."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import filecache
from core.filecache import FileCache


def cache_in(folder: Path, max_entries: int) -> FileCache:
    return FileCache(str(folder), {"OPTIONS": {"MAX_ENTRIES": max_entries}, "TIMEOUT": 60})


def test_the_folder_is_culled_at_most_once_a_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(filecache.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(filecache, "_last_cull", {})
    listed: list[int] = []
    original = FileCache._list_cache_files

    def counting(self: FileCache) -> list[str]:
        listed.append(1)
        return original(self)

    monkeypatch.setattr(FileCache, "_list_cache_files", counting)
    cache = cache_in(tmp_path, max_entries=10)

    for n in range(30):
        cache.set(f"k{n}", n)
    assert len(listed) == 1  # the first write's cull, then none for a minute
    assert len(list(tmp_path.iterdir())) == 30

    clock[0] += filecache.CULL_EVERY_SECONDS + 1
    cache.set("later", 1)
    assert len(listed) == 2
    assert len(list(tmp_path.iterdir())) < 30  # Django's cull removed a share
    assert cache.get("later") == 1


def test_files_are_private(tmp_path: Path) -> None:
    cache = cache_in(tmp_path / "cache", max_entries=100)
    cache.set("k", {"a": 1})
    folder = tmp_path / "cache"
    assert folder.stat().st_mode & 0o077 == 0
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())

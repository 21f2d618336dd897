"""Hostile archives are refused within seconds, with memory flat and the
database unchanged: path traversal, decompression bombs (honest and lying
headers), 100,000 members, a directory that understates its member count."""

from __future__ import annotations

import io
import resource
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from accounts_app.models import IgUser, TrackedAccount
from scraping.imports import ImportFileError, Source, archive, import_export
from scraping.models import Relationship, Scrape, ScrapeList, ScrapeSeen, ScrapeStats
from scraping.tests.import_builders import (
    LAYOUT_2024,
    RawMember,
    export_zip,
    list_json,
    raw_zip,
    source,
    zeros_deflated,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
GB = 1024 * MB
SECONDS = 5.0
MEMORY = 50 * MB


def counts() -> dict[str, int]:
    models = (IgUser, TrackedAccount, Scrape, ScrapeList, ScrapeSeen, Relationship, ScrapeStats)
    return {model.__name__: model.objects.count() for model in models}


def refused(call: Callable[[], object]) -> str:
    """Run `call`, which must refuse the import; check time, memory and the database."""
    before = counts()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ImportFileError) as error:
            call()
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert peak < MEMORY, f"Python allocations peaked at {peak / MB:.0f} MB"
    assert rss_growth < MEMORY, f"peak RSS grew by {rss_growth / MB:.0f} MB"
    assert counts() == before
    return str(error.value)


@pytest.fixture(scope="module")
def gigabyte() -> tuple[bytes, int]:
    """1 GB of zeros, deflated to ~1 MB."""
    return zeros_deflated(GB)


@pytest.fixture(scope="module")
def many_members(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "many.zip"
    with zipfile.ZipFile(path, "w") as many:
        many.writestr(f"{LAYOUT_2024}followers_1.json", list_json(["real.fan"]))
        for number in range(100_000):
            many.writestr(f"media/{number}.jpg", b"")
    return path


@pytest.fixture
def target() -> TrackedAccount:
    """An account with a history, so "unchanged" means something."""
    import_export("me", [source("followers_1.json", list_json(["old.fan", "other.fan"]))])
    return TrackedAccount.objects.get(user__username="me")


TRAVERSAL = [
    f"../{LAYOUT_2024}followers_1.json",
    f"{LAYOUT_2024}../../../etc/followers_1.json",
    "/etc/followers_and_following/followers_1.json",
    "\\windows\\followers_1.json",
    "C:\\Users\\me\\followers_1.json",
    "c:/followers_and_following/following.json",
    "media/..\\..\\evil.jpg",
]


@pytest.mark.parametrize("name", TRAVERSAL)
def test_path_traversal_names_refuse_the_archive(target: TrackedAccount, name: str) -> None:
    files = {f"{LAYOUT_2024}followers_1.json": list_json(["new.fan"]), name: list_json(["x"])}
    data = zip_bytes(files)

    message = refused(lambda: import_export(target, [source("export.zip", data)]))

    assert "contains an unsafe file name" in message
    assert repr(name)[:40] in message


def test_gigabyte_bomb_is_refused_from_its_header(
    target: TrackedAccount, gigabyte: tuple[bytes, int]
) -> None:
    payload, crc = gigabyte
    member = RawMember(f"{LAYOUT_2024}followers_1.json", payload, crc, GB)
    data = raw_zip([member])
    assert len(data) < 2 * MB

    message = refused(lambda: import_export(target, [source("bomb.zip", data)]))

    assert "followers_1.json in bomb.zip is 1,024 MB uncompressed; at most 200 MB" in message


def test_gigabyte_bomb_with_a_lying_header_is_never_read_past_the_header(
    target: TrackedAccount, gigabyte: tuple[bytes, int]
) -> None:
    payload, crc = gigabyte
    member = RawMember(f"{LAYOUT_2024}followers_1.json", payload, crc, 10_000)

    message = refused(lambda: import_export(target, [source("bomb.zip", raw_zip([member]))]))

    assert "followers_1.json in bomb.zip cannot be read: the file is damaged" in message


def test_members_whose_headers_add_up_past_the_total_are_refused(
    target: TrackedAccount,
) -> None:
    payload, crc = zeros_deflated(64 * MB)
    parts = [
        RawMember(f"{LAYOUT_2024}followers_{n}.json", payload, crc, 64 * MB) for n in range(1, 5)
    ]

    message = refused(lambda: import_export(target, [source("bomb.zip", raw_zip(parts))]))

    assert "add up to 256 MB uncompressed; at most 200 MB are read" in message


def test_hundred_thousand_members_are_refused_before_the_directory_is_parsed(
    target: TrackedAccount, many_members: Path
) -> None:
    with many_members.open("rb") as stream:
        message = refused(lambda: import_export(target, [Source("many.zip", stream)]))

    assert "many.zip holds 100,001 files" in message
    assert "at most 5,000 are read" in message


def test_directory_understating_its_count_is_refused(target: TrackedAccount) -> None:
    empty_crc = zlib.crc32(b"")
    members = [RawMember(f"m/{n}", b"", empty_crc, 0, zipfile.ZIP_STORED) for n in range(60_000)]
    data = raw_zip(members, declared_count=10)

    message = refused(lambda: import_export(target, [source("liar.zip", data)]))

    # It claims 10 files; the size of its directory gives it away.
    assert "liar.zip lists 3.0 MB of file names; at most 2 MB (about 5,000 files)" in message


def test_reading_stops_at_the_limit_whatever_the_size_said(
    target: TrackedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is enforced on the bytes read, not only on the declared size."""
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 4 * MB)

    class Endless(io.RawIOBase):
        """Says it is 10 bytes long, then never stops."""

        def __init__(self) -> None:
            self.served = 0

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def seek(self, offset: int, whence: int = 0) -> int:
            return 10 if whence == 2 else 0

        def tell(self) -> int:
            return 10

        def read(self, size: int = -1) -> bytes:
            self.served += MB
            return b" " * MB

    stream = Endless()

    message = refused(lambda: import_export(target, [Source("followers_1.json", stream)]))  # type: ignore[arg-type]

    assert "followers_1.json is larger than 4 MB uncompressed" in message
    assert stream.served <= 5 * MB


def test_encrypted_member_is_refused(target: TrackedAccount) -> None:
    data = bytearray(zip_bytes({f"{LAYOUT_2024}followers_1.json": list_json(["a"])}))
    # Set the "encrypted" flag in the local and central headers.
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + flag_at
        data[at] |= 0x1

    message = refused(lambda: import_export(target, [source("locked.zip", bytes(data))]))

    assert "is encrypted" in message


def test_a_good_export_after_the_refusals_still_imports(target: TrackedAccount) -> None:
    scrape = import_export(target, [source("e.zip", export_zip([["old.fan", "new.fan"]], None))])

    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (1, 1)


@pytest.fixture(autouse=True)
def _no_leftover_tracing() -> Iterator[None]:
    yield
    assert not tracemalloc.is_tracing()

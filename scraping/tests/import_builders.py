"""Build Instagram "Download your information" exports for the import tests, in
every layout Instagram has used (docs/instagram-wire.md section 6), plus raw
zips with crafted headers for the hostile-archive tests."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from scraping.imports import Source

NameIn = Literal["value", "title", "href", "href_u"]
LAYOUT_2023 = "followers_and_following/"
LAYOUT_2024 = "connections/followers_and_following/"


def entry(name: str, name_in: NameIn = "value", timestamp: int = 1749860021) -> dict[str, object]:
    href = f"https://www.instagram.com/{'_u/' if name_in == 'href_u' else ''}{name}"
    item: dict[str, object] = {"href": href, "timestamp": timestamp}
    if name_in == "value":
        item["value"] = name
    entry: dict[str, object] = {"title": name if name_in == "title" else ""}
    if name_in == "value":
        entry["media_list_data"] = []
    entry["string_list_data"] = [item]
    return entry


def list_json(
    names: Iterable[str],
    list_name: str = "followers",
    *,
    wrapped: bool = False,
    name_in: NameIn = "value",
) -> bytes:
    entries = [entry(name, name_in) for name in names]
    document: object = {f"relationships_{list_name}": entries} if wrapped else entries
    return json.dumps(document, indent=2).encode()


def list_html(names: Iterable[str], heading: str = "Followers") -> bytes:
    rows = "".join(
        '<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder"><div class="_a6-p"><div>'
        f'<div><a target="_blank" href="https://www.instagram.com/{name}">{name}</a></div>'
        "<div>Jun 13, 2025 10:53 am</div></div></div></div>"
        for name in names
    )
    return (
        f"<html><head><title>{heading}</title></head><body>"
        f'<div class="_3-8y _3-95 _a70e"><div class="_a70f">{heading}</div></div>'
        f'<div class="_a706" role="main">{rows}</div></body></html>'
    ).encode()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def other_files(prefix: str) -> dict[str, bytes]:
    """What else sits next to the lists in a real export: never read."""
    return {
        f"{prefix}close_friends.json": b'{"relationships_close_friends": []}',
        f"{prefix}blocked_accounts.json": b'{"relationships_blocked_users": []}',
        f"{prefix}pending_follow_requests.json": b'{"relationships_follow_requests_sent": []}',
        f"{prefix}recently_unfollowed_accounts.json": b"[1, 2, 3]",
        f"{prefix}removed_suggestions.json": b"not even json",
        f"{prefix}following_hashtags.json": b'{"relationships_following_hashtags": []}',
        "personal_information/personal_information/personal_information.json": b"{}",
        "media/posts/202401/photo.jpg": b"\xff\xd8\xff\xe0 not really a photo",
    }


def export_zip(
    followers: Sequence[Sequence[str]] | None,
    following: Sequence[str] | None,
    *,
    prefix: str = LAYOUT_2024,
    following_name: str = "following.json",
    fmt: Literal["json", "html"] = "json",
) -> bytes:
    """A whole export: followers split over followers_1..N, following in one file."""
    files = other_files(prefix)
    for number, part in enumerate(followers or [], 1):
        data = list_html(part) if fmt == "html" else list_json(part)
        files[f"{prefix}followers_{number}.{fmt}"] = data
    if following is not None:
        data = (
            list_html(following, "Following")
            if fmt == "html"
            else list_json(following, "following", wrapped=True)
        )
        files[f"{prefix}{following_name.replace('.json', '.' + fmt)}"] = data
    return zip_bytes(files)


def source(name: str, data: bytes) -> Source:
    return Source(name, io.BytesIO(data))


# --- Raw zips with crafted headers ---------------------------------------------------


@dataclass
class RawMember:
    name: str
    payload: bytes  # as stored (already deflated when method is 8)
    crc: int
    file_size: int  # what the headers declare
    method: int = zipfile.ZIP_DEFLATED


def raw_zip(members: Sequence[RawMember], *, declared_count: int | None = None) -> bytes:
    """A zip written field by field, so headers can say what a test needs."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        name = member.name.encode()
        out.write(
            struct.pack(
                "<4s2B4HL2L2H",
                b"PK\x03\x04",
                20,
                0,
                0,
                member.method,
                0,
                0x21,
                member.crc,
                len(member.payload),
                member.file_size,
                len(name),
                0,
            )
        )
        out.write(name)
        out.write(member.payload)
        central.write(
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\x01\x02",
                20,
                3,
                20,
                0,
                0,
                member.method,
                0,
                0x21,
                member.crc,
                len(member.payload),
                member.file_size,
                len(name),
                0,
                0,
                0,
                0,
                0o100644 << 16,
                offset,
            )
        )
        central.write(name)
    start = out.tell()
    directory = central.getvalue()
    out.write(directory)
    count = len(members) if declared_count is None else declared_count
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))
    return out.getvalue()


def zeros_deflated(size: int, chunk: int = 1 << 24) -> tuple[bytes, int]:
    """`size` zero bytes deflated (size a multiple of `chunk`), and their CRC-32,
    in a fraction of a second: after a full flush the compressor restarts, so
    every chunk compresses to the same bytes."""
    assert size % chunk == 0
    zeros = b"\0" * chunk
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // chunk):
        crc = zlib.crc32(zeros, crc)
    return block * (size // chunk) + compressor.flush(), crc

"""Read the followers and following lists out of what the owner gives: the .zip
Instagram sends, several zips (a split export), or the bare JSON/HTML files.

Everything is checked before anything is believed, and the whole export is read
and validated before the database is touched (docs/import.md "Limits"):
- a zip's member count and central-directory size are read from its
  end-of-directory record BEFORE zipfile parses the directory (a 100,000-member
  zip costs nothing), then the parsed directory is counted again;
- every member name is checked (../, absolute paths, drive letters refuse the
  archive); only followers_and_following/ (or the archive root) is looked at;
  nested zips and every other file are never opened;
- the declared uncompressed sizes are checked, and the same limits are enforced
  on the bytes actually read, so a header that lies cannot make us read more.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import IO

from scraping.imports.parsers import ExportFormatError, ProfileLinks, json_usernames

MB = 1024 * 1024
MAX_SOURCES = 50  # files in one upload or command line
MAX_MEMBERS = 5_000  # members of one zip
MAX_DIRECTORY_BYTES = 2 * MB  # central directory of one zip (5,000 members take ~1 MB)
MAX_FILE_BYTES = 200 * MB  # one followers/following file, uncompressed
MAX_TOTAL_BYTES = 200 * MB  # all of them together, uncompressed
READ_CHUNK = MB

FOLDER = "followers_and_following"
LIST_FILE_RE = re.compile(r"^(followers|following)(?:_(\d{1,5}))?\.(json|html?)$")
EXPECTED = (
    "the .zip from Instagram's \u201cDownload your information\u201d (JSON or HTML), or its "
    "followers_1.json \u2026 followers_N.json and following.json files"
)
WHERE = f"{FOLDER}/followers_1.json or following.json (connections/{FOLDER}/ in exports since 2024)"
ASK_SMALLER = "request the export again with only \u201cFollowers and following\u201d selected"

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


class ImportFileError(Exception):
    """The files cannot be imported; str() tells the owner what was expected."""


@dataclass(frozen=True)
class Source:
    """One file the owner gave: `name` as shown to them, a seekable binary stream."""

    name: str
    stream: IO[bytes]


@dataclass(frozen=True)
class ListFile:
    """One followers or following file found in the sources."""

    list_name: str  # "followers" | "following"
    number: int  # followers_3.json -> 3; following.json -> 1
    fmt: str  # "json" | "html"
    filename: str  # followers_1.json
    label: str  # for messages: "followers_1.json in export.zip"
    size: int  # declared (zip header) or actual (loose file) size
    open: Callable[[], AbstractContextManager[IO[bytes]]]

    @property
    def key(self) -> tuple[str, int, str]:
        return self.list_name, self.number, self.fmt


@dataclass
class ExportLists:
    """What an export holds: a list is None when the export has no file for it."""

    followers: set[str] | None = None
    following: set[str] | None = None
    files: dict[str, list[str]] = field(default_factory=dict)  # list name -> labels


def read_export(sources: Sequence[Source]) -> ExportLists:
    """Find, check and parse every followers/following file; ImportFileError
    when anything is off. Reads nothing from and writes nothing to the database."""
    if not sources:
        raise ImportFileError(f"Choose the export to import: {EXPECTED}.")
    if len(sources) > MAX_SOURCES:
        raise ImportFileError(
            f"{len(sources):,} files were given; at most {MAX_SOURCES} are read at once."
        )
    with ExitStack() as open_archives:
        files: list[ListFile] = []
        for source in sources:
            files.extend(_list_files(source, open_archives))
        _check_together(files, sources)
        export = ExportLists()
        budget = _Budget()
        for found in sorted(files, key=lambda f: f.key):
            names = _parse(found, budget)
            current = getattr(export, found.list_name)
            setattr(export, found.list_name, names if current is None else current | names)
            export.files.setdefault(found.list_name, []).append(found.label)
    return export


def _list_files(source: Source, open_archives: ExitStack) -> list[ListFile]:
    name = source.name
    key = _classify(name)
    if name.lower().endswith(".zip") or (key is None and _starts_like_zip(source.stream)):
        return _zip_files(source, open_archives)
    if key is None:
        raise ImportFileError(f"{name} is not part of an Instagram export: expected {EXPECTED}.")
    size = _stream_size(source.stream)
    _check_size(name, size)
    stream = source.stream

    def opener() -> AbstractContextManager[IO[bytes]]:
        stream.seek(0)
        return nullcontext(stream)  # the caller owns (and closes) the stream

    return [ListFile(*key, filename=name, label=name, size=size, open=opener)]


def _zip_files(source: Source, open_archives: ExitStack) -> list[ListFile]:
    name, stream = source.name, source.stream
    entries, directory_bytes = _directory_record(name, stream)
    if entries > MAX_MEMBERS:
        raise ImportFileError(
            f"{name} holds {entries:,} files; at most {MAX_MEMBERS:,} are read: {ASK_SMALLER}."
        )
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise ImportFileError(
            f"{name} lists {directory_bytes / MB:,.1f} MB of file names; at most "
            f"{MAX_DIRECTORY_BYTES // MB} MB (about {MAX_MEMBERS:,} files) are read: {ASK_SMALLER}."
        )
    try:
        stream.seek(0)
        archive = open_archives.enter_context(zipfile.ZipFile(stream))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportFileError(f"{name} is not a readable zip archive ({exc}).") from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:  # the end record understated the count
        raise ImportFileError(
            f"{name} holds {len(members):,} files; at most {MAX_MEMBERS:,} are read: {ASK_SMALLER}."
        )
    for member in members:
        if _unsafe(member.orig_filename):
            raise ImportFileError(
                f"{name} contains an unsafe file name ({member.orig_filename[:100]!r}); "
                "an export from Instagram never does, so nothing was imported."
            )
    found = []
    for member in members:
        key = None if member.is_dir() else _classify_member(member.filename)
        if key is None:
            continue  # other export files, media, nested zips: never opened
        label = f"{member.filename} in {name}"
        if member.flag_bits & 0x1:
            raise ImportFileError(f"{label} is encrypted; export it again without a password.")
        _check_size(label, member.file_size)
        found.append(
            ListFile(
                *key,
                filename=member.filename.replace("\\", "/").rsplit("/", 1)[-1],
                label=label,
                size=member.file_size,
                open=_member_opener(archive, member),
            )
        )
    return found


def _member_opener(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo
) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    return lambda: archive.open(member)


def _classify(filename: str) -> tuple[str, int, str] | None:
    match = LIST_FILE_RE.match(filename.lower())
    if match is None:
        return None
    list_name, number, fmt = match.groups()
    return list_name, int(number or 1), "json" if fmt == "json" else "html"


def _classify_member(path: str) -> tuple[str, int, str] | None:
    """A list file directly in a followers_and_following/ folder (2023: at the
    top, 2024+: under connections/) or at the root of the archive."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) > 1 and parts[-2].lower() != FOLDER:
        return None
    return _classify(parts[-1])


def _unsafe(path: str) -> bool:
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return True
    return ".." in re.split(r"[\\/]", path)


def _check_size(label: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"{label} is {size / MB:,.0f} MB uncompressed; at most {MAX_FILE_BYTES // MB} MB "
            "per file are read."
        )


def _check_together(files: list[ListFile], sources: Sequence[Source]) -> None:
    if not files:
        names = ", ".join(source.name for source in sources[:3])
        raise ImportFileError(
            f"No followers or following list in {names}: expected {WHERE}. When requesting "
            "the export, select \u201cFollowers and following\u201d."
        )
    seen: dict[tuple[str, int, str], ListFile] = {}
    for found in files:
        twin = seen.setdefault(found.key, found)
        if twin is not found:
            raise ImportFileError(
                f"{found.filename} was given twice ({twin.label}; {found.label}): "
                "give one copy of one export."
            )
    for list_name in ("followers", "following"):
        parts = [f for f in files if f.list_name == list_name]
        numbers = {f.number for f in parts}
        missing = sorted(set(range(1, max(numbers, default=0) + 1)) - numbers)
        if missing:
            present = ", ".join(sorted({f.filename for f in parts}))
            raise ImportFileError(
                f"{list_name}_{missing[0]}.{parts[0].fmt} is missing (found {present}): give "
                "every part of the export; a list with a part missing would record its "
                "accounts as lost."
            )
    total = sum(f.size for f in files)
    if total > MAX_TOTAL_BYTES:
        raise ImportFileError(
            f"The followers and following files add up to {total / MB:,.0f} MB uncompressed; "
            f"at most {MAX_TOTAL_BYTES // MB} MB are read."
        )


class _Budget:
    """Bytes still allowed across all files: counted as they are read."""

    def __init__(self) -> None:
        self.left = MAX_TOTAL_BYTES

    def take(self, count: int, label: str) -> None:
        self.left -= count
        if self.left < 0:
            raise ImportFileError(
                f"Reading {label} went past {MAX_TOTAL_BYTES // MB} MB of uncompressed data in "
                "all; the archive's sizes are wrong, so nothing was imported."
            )


def _parse(found: ListFile, budget: _Budget) -> set[str]:
    try:
        if found.fmt == "json":
            data = bytearray()
            for chunk in _chunks(found, budget):
                data += chunk
            return json_usernames(data, found.label, found.list_name)
        links = ProfileLinks()
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        for chunk in _chunks(found, budget):
            links.feed(decoder.decode(chunk))
        links.feed(decoder.decode(b"", final=True))
        links.close()
    except ExportFormatError as exc:
        raise ImportFileError(str(exc)) from None
    if not links.usernames:
        raise ImportFileError(
            f"{found.label} has no Instagram profile links; expected one "
            '<a href="https://www.instagram.com/NAME">NAME</a> per account.'
        )
    return links.usernames


def _chunks(found: ListFile, budget: _Budget) -> Iterator[bytes]:
    """The file's bytes, never more than the limits whatever its header said."""
    read = 0
    with _reading(found), found.open() as stream:
        while True:
            chunk = stream.read(READ_CHUNK)
            if not chunk:
                return
            read += len(chunk)
            if read > MAX_FILE_BYTES:
                raise ImportFileError(
                    f"{found.label} is larger than {MAX_FILE_BYTES // MB} MB uncompressed "
                    "(more than its header said); nothing was imported."
                )
            budget.take(len(chunk), found.label)
            yield chunk


@contextmanager
def _reading(found: ListFile) -> Iterator[None]:
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ImportFileError(
            f"{found.label} cannot be read: the file is damaged ({exc})."
        ) from None
    except (NotImplementedError, RuntimeError) as exc:  # compression method, encryption
        raise ImportFileError(f"{found.label} cannot be read ({exc}).") from None


def _directory_record(name: str, stream: IO[bytes]) -> tuple[int, int]:
    """(member count, central directory size) from the end-of-central-directory
    record, and from the zip64 record when one precedes it (zipfile believes that
    one), without parsing the directory itself."""
    size = _stream_size(stream)
    tail_size = min(size, 22 + 0xFFFF)  # the record, plus the longest comment
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise ImportFileError(f"{name} is not a zip archive: expected {EXPECTED}.")
    _, _, _, _, entries, directory_bytes, _, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
    record_at = size - tail_size + at
    if record_at >= 20 + 56:
        stream.seek(record_at - 20 - 56)
        zip64 = stream.read(56 + 20)
        if zip64[56:60] == _EOCD64_LOCATOR and zip64[:4] == _EOCD64:
            fields = struct.unpack("<4sQ2H2L4Q", zip64[:56])
            entries, directory_bytes = max(entries, fields[7]), max(directory_bytes, fields[8])
    stream.seek(0)
    return entries, directory_bytes


def _starts_like_zip(stream: IO[bytes]) -> bool:
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    return head in (b"PK\x03\x04", _EOCD)


def _stream_size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size

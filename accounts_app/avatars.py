"""Profile pictures, cached on our disk so pages never load Instagram's CDN.

Instagram's picture URLs are signed and expire within days, and a browser
loading them would tell Instagram who looks at whom. So the server fetches the
small (150 px) picture once, through IgUser.profile_pic_url, and keeps it under
MEDIA_ROOT/avatars/<shard>/<user id>.<ext>; pages load it from a login-required
view (accounts_app.views.avatar), or a generated initial when nothing is cached.

No image library: Instagram's small pictures are already 150x150 JPEGs of a few
KB, so the bytes are stored as received after checking that they are an image
(magic bytes) and small (MAX_BYTES). Anything else is not stored.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx
from django.conf import settings

from accounts_app.models import IgUser

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024
TIMEOUT_SECONDS = 10.0
MAX_PER_CALL = 500  # one task never runs for long; callers send batches
EXTENSIONS = ("jpg", "png", "webp", "gif")
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}


def avatar_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "avatars"


def _path(user_id: int, ext: str) -> Path:
    # 256 folders: a million pictures in one folder is slow on every filesystem.
    return avatar_dir() / f"{user_id % 256:02x}" / f"{user_id}.{ext}"


def cached(user_id: int) -> tuple[Path, str] | None:
    """The cached picture of a user and its content type, if there is one."""
    for ext in EXTENSIONS:
        path = _path(user_id, ext)
        if path.is_file():
            return path, CONTENT_TYPES[ext]
    return None


def sniff(data: bytes) -> str | None:
    """The image type from its first bytes, or None when it is not one we keep."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return None


def fetch(client: httpx.Client, url: str, max_bytes: int = MAX_BYTES) -> bytes | None:
    """Download at most `max_bytes`; None on any failure (a missing picture is
    not worth an error: the initial is shown instead)."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                return None
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    return None
            return data
    except httpx.HTTPError as exc:
        log.info("picture %s not fetched: %s", url.split("?", 1)[0], exc)
        return None


def store(user_id: int, data: bytes) -> Path | None:
    ext = sniff(data)
    if ext is None:
        return None
    return write_image(lambda kind: _path(user_id, kind), ext, data)


def write_image(path_of: Callable[[str], Path], ext: str, data: bytes) -> Path:
    """Write a checked image where `path_of(ext)` says, replacing the copy of
    another type; shared by avatars and post thumbnails."""
    path = path_of(ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a page never serves half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
    for other in EXTENSIONS:
        if other != ext:
            path_of(other).unlink(missing_ok=True)
    return path


def cache_avatars(user_ids: Iterable[int], *, refresh: bool = False) -> int:
    """Fetch and store the pictures of these users (those already cached are
    skipped unless `refresh`). Returns how many were stored."""
    ids = list(dict.fromkeys(user_ids))[:MAX_PER_CALL]
    users = IgUser.objects.filter(pk__in=ids).exclude(profile_pic_url="")
    todo = [(pk, url) for pk, url in users.values_list("pk", "profile_pic_url")]
    if not refresh:
        todo = [(pk, url) for pk, url in todo if cached(pk) is None]
    stored = 0
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True) as client:
        for pk, url in todo:
            data = fetch(client, url)
            if data is not None and store(pk, data) is not None:
                stored += 1
    return stored


PALETTE = ("#e11d48", "#7c3aed", "#2563eb", "#0891b2", "#059669", "#d97706", "#db2777", "#4f46e5")


def initial_svg(username: str) -> str:
    """A coloured circle with the first letter: the picture of users whose
    avatar is not cached (yet)."""
    letter = next((c for c in username if c.isalnum()), "?").upper()
    colour = PALETTE[zlib.crc32(username.encode()) % len(PALETTE)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="40" height="40">'
        f'<circle cx="20" cy="20" r="20" fill="{colour}"/>'
        '<text x="20" y="26" text-anchor="middle" font-family="system-ui,sans-serif" '
        f'font-size="18" font-weight="600" fill="#fff">{letter}</text></svg>'
    )

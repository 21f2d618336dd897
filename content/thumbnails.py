"""Post thumbnails, cached on our disk like profile pictures (accounts_app/avatars.py).

Instagram's thumbnail URLs are signed and expire, and a browser loading them
would tell Instagram who looks at which account, so the server fetches each
thumbnail once and keeps it under MEDIA_ROOT/thumbnails/<shard>/<post id>.<ext>;
Post.thumbnail holds that path relative to MEDIA_ROOT (blank: not cached, the
page shows a placeholder). The checks and the download are the avatars' own
(magic bytes, a size cap, no image library); thumbnails are bigger than the
150 px avatars, hence their own cap.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import httpx
from django.conf import settings

from accounts_app.avatars import (
    CONTENT_TYPES,
    EXTENSIONS,
    TIMEOUT_SECONDS,
    fetch,
    sniff,
    write_image,
)
from content.models import Post

MAX_BYTES = 512 * 1024
MAX_PER_CALL = 200  # one task never runs for long; callers send batches
FOLDER = "thumbnails"


def relative_path(post_id: int, ext: str) -> str:
    # 256 folders, as for avatars: 10,000 posts an account add up.
    return f"{FOLDER}/{post_id % 256:02x}/{post_id}.{ext}"


def cached(post: Post) -> tuple[Path, str] | None:
    """The cached thumbnail of a post and its content type, if there is one."""
    if not post.thumbnail:
        return None
    root = Path(settings.MEDIA_ROOT, FOLDER).resolve()
    # Only a file under MEDIA_ROOT/thumbnails, symlinks resolved: a stored path
    # ("../x", "/etc/x") or a link planted there never serves another file.
    path = (Path(settings.MEDIA_ROOT) / post.thumbnail).resolve()
    ext = path.suffix.lstrip(".")
    if ext not in EXTENSIONS or not path.is_relative_to(root) or not path.is_file():
        return None
    return path, CONTENT_TYPES[ext]


def store(post_id: int, data: bytes) -> str | None:
    """Keep the bytes when they are an image; the path relative to MEDIA_ROOT."""
    ext = sniff(data)
    if ext is None or len(data) > MAX_BYTES:
        return None
    write_image(lambda kind: Path(settings.MEDIA_ROOT) / relative_path(post_id, kind), ext, data)
    return relative_path(post_id, ext)


def cache_thumbnails(post_ids: Iterable[int], *, refresh: bool = False) -> int:
    """Fetch and store the thumbnails of these posts (those cached are skipped
    unless `refresh`); returns how many were stored. One read and one bulk
    write of the paths, whatever the number of posts."""
    ids = list(dict.fromkeys(post_ids))[:MAX_PER_CALL]
    posts = list(
        Post.objects.filter(pk__in=ids)
        .exclude(thumbnail_url="")
        .only("id", "thumbnail", "thumbnail_url")
    )
    if not refresh:
        posts = [post for post in posts if cached(post) is None]
    done: list[Post] = []
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True) as client:
        for post in posts:
            data = fetch(client, post.thumbnail_url, max_bytes=MAX_BYTES)
            relative = store(post.pk, data) if data is not None else None
            if relative is not None:
                post.thumbnail = relative
                done.append(post)
    Post.objects.bulk_update(done, ["thumbnail"], batch_size=500)
    return len(done)

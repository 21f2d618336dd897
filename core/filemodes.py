"""Private files: what igdash writes is readable by its own OS user only.

Two layers (docs/security.md, "Files at rest"):

- The process umask gets 0o077 added the moment the igdash package is first
  imported, which every entry point does before anything else (manage.py and the
  `igdash` script through igdash.launcher, Waitress through igdash.wsgi, Celery
  through igdash.celery). So every file and folder made by igdash or by a library
  it runs (SQLite, RotatingFileHandler, kombu's filesystem broker, zipfile,
  collectstatic) is 0600/0700, whatever umask the shell or service manager gave.
  Django's own storage chmods saved files itself: settings.FILE_UPLOAD_PERMISSIONS.
- A data folder made by an older igdash (0644 files in a 0755 folder) is
  tightened: the folder and its top level at every process start (a dozen
  entries, before the database opens), the whole tree once per `migrate`, which
  `igdash serve` runs at start. The database file matters most: SQLite gives a
  new -wal/-shm the database file's mode, not the umask's.

Bits are only ever removed (group and other), never added: a file the owner made
0400 stays 0400. Symlinks are not followed. POSIX only: on Windows a mode is not a
permission, and scripts/windows/install-service.ps1 sets the folder's ACL instead.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
APPLIES = os.name != "nt"
REPORTED_FAILURES = 5


def set_private_umask() -> None:
    """Add group and other to the umask (a stricter one the owner set stays)."""
    if APPLIES:
        os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def make_private(path: Path) -> bool:
    """Remove the group and other bits of one file or folder (not a link).
    Returns whether it changed; raises OSError when it cannot be changed."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode) or not stat.S_IMODE(mode) & PRIVATE_UMASK:
        return False
    path.chmod(stat.S_IMODE(mode) & ~PRIVATE_UMASK)
    return True


@dataclass
class Tightened:
    changed: int = 0
    failed: list[str] = field(default_factory=list)


def _tighten(paths: list[Path], result: Tightened) -> None:
    for path in paths:
        try:
            result.changed += make_private(path)
        except FileNotFoundError:
            continue  # removed meanwhile (a rotated log, a consumed broker message)
        except OSError as exc:
            result.failed.append(f"{path} ({exc.strerror or exc})")


def tighten_top(data_dir: Path) -> Tightened:
    """The data folder and what is directly in it: every start, so a database
    made by an older igdash is private before SQLite opens it."""
    result = Tightened()
    if not APPLIES or not data_dir.is_dir():
        return result
    try:
        entries = list(data_dir.iterdir())
    except OSError as exc:
        result.failed.append(f"{data_dir} ({exc.strerror or exc})")
        entries = []
    _tighten([data_dir, *entries], result)
    return result


def tighten_tree(data_dir: Path) -> Tightened:
    """Everything under the data folder: once per `migrate` (and so per `serve`)."""
    result = Tightened()
    if not APPLIES or not data_dir.is_dir():
        return result
    _tighten([data_dir], result)
    for folder, dirs, files in os.walk(data_dir):  # links to folders are not followed
        base = Path(folder)
        _tighten([base / name for name in (*dirs, *files)], result)
    return result


def report(result: Tightened, where: Path) -> None:
    if result.changed:
        log.info("made %d files and folders in %s private to this user", result.changed, where)
    if result.failed:
        shown = "; ".join(result.failed[:REPORTED_FAILURES])
        more = len(result.failed) - REPORTED_FAILURES
        log.warning(
            "%d files or folders in %s stay readable by other users: %s%s. Give them to the "
            "user igdash runs as (chown) or remove them.",
            len(result.failed),
            where,
            shown,
            f" and {more} more" if more > 0 else "",
        )


def tighten_data_folder(**_signal: object) -> None:
    """pre_migrate receiver (igdash/apps.py)."""
    from django.conf import settings

    data_dir = Path(settings.DATA_DIR)
    report(tighten_tree(data_dir), data_dir)

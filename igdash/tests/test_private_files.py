"""Private data at rest (issue 15.7): whatever umask igdash starts with, every
folder it makes in the data folder is 0700 and every file 0600, and a data
folder left readable by an older igdash is tightened at start-up.

Real processes only: `igdash serve` (web, worker, beat), `manage.py migrate`,
`manage.py shell`, each started with the umask a login shell gives (0o022).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from igdash.testing.forms import settings_form
from igdash.testing.processes import ROOT, Served, csrf_token, run_manage, run_serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows uses the folder's ACL"),
]

SHELL_UMASK = 0o022
PROXY_SECRET = "Pr0xyS3cretInFiles"
PROXY = f"http://puser:{PROXY_SECRET}@127.0.0.1:9"
LISTED = f"socks5://luser:{PROXY_SECRET}@127.0.0.1:9"
# No request may leave the machine: Instagram is a port nobody listens on.
NOWHERE = {
    "IGDASH_INSTAGRAM_API_URL": "http://127.0.0.1:9",
    "IGDASH_INSTAGRAM_WEB_URL": "http://127.0.0.1:9",
    "IGDASH_KEY_STORE": "file",  # the master key in the data folder: checked with the rest
}


def _modes(data_dir: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Every folder and file under data_dir (data_dir itself included) with its
    permission bits. Symlinks are neither: they are reported by the caller."""
    folders = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    files: dict[str, int] = {}
    for path in data_dir.rglob("*"):
        mode = path.lstat().st_mode
        name = str(path.relative_to(data_dir))
        if stat.S_ISDIR(mode):
            folders[name] = stat.S_IMODE(mode)
        elif stat.S_ISREG(mode):
            files[name] = stat.S_IMODE(mode)
    return folders, files


def _assert_private(data_dir: Path) -> tuple[dict[str, int], dict[str, int]]:
    folders, files = _modes(data_dir)
    open_folders = {name: oct(mode) for name, mode in folders.items() if mode != 0o700}
    open_files = {name: oct(mode) for name, mode in files.items() if mode != 0o600}
    assert not open_folders, f"folders not 0700: {open_folders}"
    assert not open_files, f"files not 0600: {open_files}"
    return folders, files


def _manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_manage(data_dir, *args, umask=SHELL_UMASK)


def _ping(served: Served) -> None:
    client = served.logged_in_client()  # a session row in the database
    created = client.post(
        "/system/ping/", headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"}
    )
    assert created.status_code == 201, created.text
    ping_id = int(created.text.split('data-ping-id="')[1].split('"')[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = client.get(f"/system/ping/{ping_id}/", headers={"HX-Request": "true"})
        if 'data-answered="yes"' in answer.text:
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"ping never answered\n{served.log()}")
    # Secrets in the database: an Instagram login with its own proxy (the check
    # fails at once: nothing listens on port 9) and the owner's proxy list.
    added = client.post(
        "/settings/logins/add/",
        data={"username": "someone", "method": "password", "password": "pw-1", "proxy": PROXY},
        headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"},
    )
    assert added.status_code == 200 and "@someone" in added.text, added.text
    saved = client.post(
        "/settings/",
        data=settings_form(proxies=LISTED),
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert saved.status_code == 302, saved.text
    backup = client.post(
        "/settings/backups/", headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"}
    )
    assert "Backed up to" in backup.text, backup.text


def test_serve_under_a_shell_umask_writes_only_private_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with run_serve(data_dir, NOWHERE, umask=SHELL_UMASK) as served:
        served.wait_healthy()
        _ping(served)
        # While igdash runs: the live database's -wal and -shm exist now.
        assert (data_dir / "igdash.sqlite3-wal").exists()
        _assert_private(data_dir)
        assert served.stop() == 0
    # A message left in the filesystem broker (no worker running to take it).
    queued = _manage(
        data_dir,
        "shell",
        "-c",
        "from igdash.tasks import prune_housekeeping; prune_housekeeping.delay()",
    )
    assert queued.returncode == 0, queued.stderr

    folders, files = _assert_private(data_dir)
    assert {"logs", "backups", "media", "broker/queue", "broker/control", "staticfiles"} <= set(
        folders
    )
    assert {"igdash.sqlite3", "logs/igdash-web.log", "logs/igdash-worker.log"} <= set(files)
    assert any(name.startswith("backups/igdash-backup-") for name in files), files
    assert any(name.startswith("broker/queue/") for name in files), files
    assert "master.key" in files


def test_no_file_in_the_data_folder_holds_a_proxy_password_in_clear(tmp_path: Path) -> None:
    """Issue 15.8 end to end: database, -wal, logs, backups, broker messages."""
    data_dir = tmp_path / "data"
    with run_serve(data_dir, NOWHERE, umask=SHELL_UMASK) as served:
        served.wait_healthy()
        _ping(served)
        live = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
        assert served.stop() == 0
    after = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    assert any(p.name == "igdash.sqlite3-wal" for p in live)
    for when, contents in (("while running", live), ("after the stop", after)):
        leaks = [str(p) for p, data in contents.items() if PROXY_SECRET.encode() in data]
        assert not leaks, f"{when}: {leaks}"
    # Backups are zip files: their members are compressed, so look inside too.
    for archive in data_dir.glob("backups/*.zip"):
        with zipfile.ZipFile(archive) as zf:
            assert all(PROXY_SECRET.encode() not in zf.read(n) for n in zf.namelist())


def test_a_data_folder_left_open_by_an_older_igdash_is_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    for folder in ("logs", "backups", "media/avatars/ab", "broker/queue", "broker/control"):
        (data_dir / folder).mkdir(parents=True)
    with sqlite3.connect(data_dir / "igdash.sqlite3") as db:
        db.execute("CREATE TABLE t (x)")
    (data_dir / "secret_key").write_text("k" * 60)
    (data_dir / "logs" / "igdash-web.log.1").write_text("old rotated log\n")
    (data_dir / "media" / "avatars" / "ab" / "1.jpg").write_bytes(b"\xff\xd8")
    (data_dir / "broker" / "queue" / "old.msg").write_text("{}")
    with zipfile.ZipFile(data_dir / "backups" / "igdash-backup-20250101-000000.zip", "w") as zf:
        zf.writestr("x", "y")
    outside = tmp_path / "not-igdash.txt"
    outside.write_text("someone else's file")
    (data_dir / "link-out").symlink_to(outside)
    for path in [data_dir, *data_dir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    outside.chmod(0o644)

    migrated = _manage(data_dir, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr

    _assert_private(data_dir)
    # A link is not followed: what it points to outside the data folder is untouched.
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644


def test_every_process_starts_with_a_private_umask() -> None:
    # Each entry point imports the igdash package first: manage.py and the
    # console script (igdash.launcher), Waitress (igdash.wsgi), Celery (igdash.celery).
    for module in ("igdash.launcher", "igdash.wsgi", "igdash.celery"):
        code = f"import os; os.umask(0o022); import {module}; print(oct(os.umask(0o022)))"
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "igdash.settings_test"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "0o77", (module, result.stdout)


def test_windows_service_install_restricts_the_data_folder_before_the_service_starts() -> None:
    """No Windows here: the script is checked by reading it (docs/operations.md)."""
    script = (ROOT / "scripts" / "windows" / "install-service.ps1").read_text(encoding="utf-8")
    restrict = script.index("& icacls $DataDir /inheritance:r /grant:r @Grants")
    assert restrict < script.index("& nssm install")
    assert '"*${SystemSid}:(OI)(CI)F", "*${AdministratorsSid}:(OI)(CI)F"' in script
    assert '$Grants += "*${AccountSid}:(OI)(CI)F"' in script  # the -Account the service runs as
    assert "/reset /T /C /Q" in script  # what is already inside inherits only these
    assert "if ($Others) {" in script  # and the result is checked, not assumed

"""Real logins (password, and session cookie) stored through the command against
the simulator: neither the SQLite file (with its WAL) nor a backup archive holds
the password, the session cookie or the sessionid in clear. Likewise the
notification channels' URLs (and the logs, and what the commands print)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from django.test import override_settings

from accounts_app import vault
from exports.tests.processes import checked, env_for, manage
from igdash.testing.processes import run_manage
from notify.tests.inbox import Inbox
from scraping.simulator.world import DEMO_PASSWORD
from scraping.tests.sim_control import Sim

pytestmark = pytest.mark.slow


def _login(data: Path, env: dict[str, str], *args: str, secret: str) -> None:
    done = run_manage(
        data, "login_instagram", *args, stdin=secret + "\n", env=env_for(data, **env), timeout=120
    )
    assert done.returncode == 0, done.stderr


def _stored_secrets(data_dir: Path) -> list[bytes]:
    """Every secret value the logins hold, opened with the installation's key."""
    with closing(sqlite3.connect(data_dir / "igdash.sqlite3")) as db:
        rows = db.execute(
            "SELECT id, session_enc, sessionid_enc FROM accounts_app_logincredential"
        ).fetchall()
    found: list[bytes] = []
    with override_settings(DATA_DIR=data_dir):
        vault.forget_key()
        try:
            for pk, session_blob, sessionid_blob in rows:
                if sessionid_blob:
                    found.append(vault.open_(f"logincredential:{pk}:sessionid", sessionid_blob))
                if session_blob:
                    session = json.loads(vault.open_(f"logincredential:{pk}:session", session_blob))
                    cookies = session.get("cookies", {})
                    auth = session.get("authorization_data", {})
                    found += [str(v).encode() for v in cookies.values() if len(str(v)) >= 8]
                    found += [str(v).encode() for v in auth.values() if len(str(v)) >= 8]
        finally:
            vault.forget_key()
    return found


def test_database_file_and_backup_hold_no_secret_in_clear(tmp_path: Path, sim: Sim) -> None:
    data = tmp_path / "data"
    env = {
        "IGDASH_INSTAGRAM_WEB_URL": sim.base,
        "IGDASH_INSTAGRAM_API_URL": sim.base,
        "IGDASH_KEY_STORE": "file",
        "IGDASH_PACING": "off",
    }
    checked(manage(data, "migrate", "--noinput", **env))
    _login(data, env, "demo_owner", "--password-stdin", secret=DEMO_PASSWORD)
    cookie = sim.session("demo_2fa")
    _login(data, env, "demo_2fa", "--sessionid-stdin", secret=cookie)

    secrets = [DEMO_PASSWORD.encode(), cookie.encode(), *_stored_secrets(data)]
    assert len(secrets) >= 4  # the password login really stored a session with cookies
    files = [p for p in data.glob("igdash.sqlite3*") if p.is_file()]
    on_disk = b"".join(p.read_bytes() for p in files)
    for secret in secrets:
        assert secret not in on_disk, f"{secret!r} found in {[p.name for p in files]}"

    checked(manage(data, "backup", **env))
    archive = next((data / "backups").glob("igdash-backup-*.zip"))
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zf:
        unpacked = b"".join(zf.read(name) for name in zf.namelist())
    for secret in secrets:
        assert secret not in unpacked
        assert secret not in archive.read_bytes()


def test_notification_channel_urls_are_nowhere_in_clear(tmp_path: Path, inbox: Inbox) -> None:
    """Channels added and used by the command line (their URL on standard input):
    the URLs' tokens, passwords and paths are not in the database, its WAL, a
    backup, the log files or anything the commands print, also when a channel
    fails and Apprise has something to say about it."""
    data = tmp_path / "data"
    env = {"IGDASH_KEY_STORE": "file"}
    checked(manage(data, "migrate", "--noinput", **env))
    good = inbox.url("ok/tok-Good-7f3a9c2e", auth="owner:pw-Good-51d0b8")
    bad = inbox.url("broken/tok-Bad-0c9e4d1f", auth="owner:pw-Bad-3b7a6e")
    secrets = [b"tok-Good-7f3a9c2e", b"pw-Good-51d0b8", b"tok-Bad-0c9e4d1f", b"pw-Bad-3b7a6e"]
    printed = ""
    for name, url in (("Phone", good), ("Hook", bad)):
        done = run_manage(
            data, "notify", "add", name, "--url-stdin", stdin=url + "\n", env=env_for(data, **env)
        )
        assert done.returncode == 0, done.stderr
        printed += done.stdout + done.stderr
    done = run_manage(data, "notify", "test", env=env_for(data, **env), timeout=120)
    printed += done.stdout + done.stderr
    assert done.returncode == 1 and "Hook: FAILED: Failed to send JSON POST" in done.stdout
    assert len(inbox.to("ok/tok-Good-7f3a9c2e")) == 1  # the good one really went out
    checked(manage(data, "backup", **env))

    files = [p for p in data.glob("igdash.sqlite3*") if p.is_file()]
    on_disk = b"".join(p.read_bytes() for p in files)
    logs = b"".join(p.read_bytes() for p in (data / "logs").glob("*.log*"))
    archive = next((data / "backups").glob("igdash-backup-*.zip"))
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zf:
        unpacked = b"".join(zf.read(name) for name in zf.namelist())
    assert logs, "the commands wrote their log lines"
    for secret in secrets:
        for where, blob in (("database", on_disk), ("logs", logs), ("backup", unpacked)):
            assert secret not in blob, f"{secret!r} found in the {where}"
        assert secret not in archive.read_bytes()
        assert secret.decode() not in printed

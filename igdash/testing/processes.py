"""Start `igdash serve` as a real process for end-to-end tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
OWNER_PASSWORD = "owner-test-password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, timeout: float = 120.0) -> dict[str, object]:
        # Generous: a loaded 2-core CI machine has taken a minute to migrate and
        # start serve before its first answer.
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = httpx.get(f"{self.base_url}/health", timeout=5)
                last = response.json()
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.5)
        raise AssertionError(f"serve never became healthy; last answer {last!r}\n{self.log()}")

    def logged_in_client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, timeout=10, follow_redirects=False)
        page = client.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text
        response = client.post(
            "/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": "owner",
                "password": OWNER_PASSWORD,
            },
            headers={"Referer": f"{self.base_url}/login/"},
        )
        assert response.status_code == 302, response.text
        return client

    def worker_pid(self) -> int:
        """The pid of the newest worker process, from its "ready." line."""
        pids = [
            int(line.split(" ")[4].rstrip(":"))
            for line in self.log().splitlines()
            if "igdash-worker@" in line and " ready." in line
        ]
        assert pids, self.log()
        return pids[-1]

    def stop(self, timeout: float = 40.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def csrf_token(client: httpx.Client) -> str:
    return client.cookies["csrftoken"]


@contextmanager
def run_serve(
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    *,
    umask: int | None = None,
) -> Iterator[Served]:
    """`umask`: the one the process starts with (a shell's 0o022, say); None
    inherits this process's."""
    port = port or free_port()
    env = {
        **os.environ,
        "IGDASH_DATA_DIR": str(data_dir),
        "IGDASH_ADMIN_PASSWORD": OWNER_PASSWORD,
        "IGDASH_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
        **(extra_env or {}),
    }
    for key in ("DATABASE_URL", "CELERY_BROKER_URL"):  # embedded defaults unless asked
        if key not in (extra_env or {}):
            env.pop(key, None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright tests only
    log_path = data_dir.parent / f"serve-{port}.log"
    if log_path.exists():  # the same port again: keep the first run's log too
        log_path = data_dir.parent / f"serve-{port}-{time.monotonic_ns()}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            umask=-1 if umask is None else umask,
        )
    served = Served(process, f"http://127.0.0.1:{port}", data_dir, log_path)
    try:
        yield served
    finally:
        if process.poll() is None:
            served.stop()


def data_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an igdash process on its own data folder, with the
    embedded defaults (SQLite, filesystem broker) and no .env file; `extra` on top."""
    env = {
        **os.environ,
        "IGDASH_DATA_DIR": str(data_dir),
        "IGDASH_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
    }
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(key, None)
    env.update(extra)
    return env


def run_manage(
    data_dir: Path,
    *args: str,
    umask: int | None = None,
    timeout: float = 180,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """One `manage.py` command as its own process on the data folder: the
    environment is data_env(data_dir) unless `env` gives a whole one."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=data_env(data_dir) if env is None else env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        umask=-1 if umask is None else umask,
        check=False,
    )

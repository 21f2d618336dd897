"""Schemathesis against a live igdash (Waitress, real HTTP) over every
operation of /api/v1/openapi.json, with a read and a write token: no 5xx,
every answer as the schema says. And the same run fails on a server whose
account views are broken on purpose (api/tests/broken_urls.py).

No worker runs: scrapes it starts stay queued, nothing reaches Instagram."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from igdash.testing.processes import ROOT, data_env, free_port, run_manage

pytestmark = pytest.mark.slow

SEED = (
    "from accounts_app.tests.factories import tracked; "
    "from audience.tests.builders import audience_account; "
    "tracked('alice', followers=40, following=12, mutual=5, days=3, churn=2); "
    "audience_account('creator', commenters=30)"
)


@contextmanager
def live_api(data: Path, settings: str = "igdash.settings") -> Iterator[tuple[str, dict[str, str]]]:
    """A migrated, seeded data folder served by Waitress; (base URL, tokens)."""
    # A scrape the run starts stays queued (no worker): its event stream ends
    # after 5 s, not the hour that would outlast the request timeout.
    env = data_env(data, DJANGO_SETTINGS_MODULE=settings, IGDASH_API_EVENTS_MAX_SECONDS="5")
    for args in (("migrate", "-v", "0"), ("shell", "-c", SEED)):
        done = run_manage(data, *args, env=env)
        assert done.returncode == 0, done.stderr
    tokens = {}
    for scope in ("read", "write"):
        made = run_manage(data, "api_token", "create", scope, "--scope", scope, env=env)
        assert made.returncode == 0, made.stderr
        tokens[scope] = made.stdout.strip()
    port = free_port()
    log = (data.parent / f"waitress-{port}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=4",
         "igdash.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "waitress did not start"
            time.sleep(0.3)
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def schemathesis(base: str, token: str, report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"), "run",
            f"{base}/api/v1/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance,response_headers_conformance",
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", "8",
            "--request-timeout", "20",
            "--seed", "19",
            # One worker: Python 3.11's ast.parse is not thread-safe, and Hypothesis
            # describes strategies with it ("AST constructor recursion depth mismatch").
            "--workers", "1",
            # A connection the loaded machine drops is retried, not a finding.
            "--request-retries", "2",
            "--no-color",
            "--suppress-health-check", "all",
        ],
        cwd=report, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )  # fmt: skip


def test_every_operation_keeps_its_schema_with_a_read_and_a_write_token(tmp_path: Path) -> None:
    with live_api(tmp_path / "data") as (base, tokens):
        operations = len(
            [
                m
                for p in httpx.get(f"{base}/api/v1/openapi.json").json()["paths"].values()
                for m in p
            ]
        )
        assert operations >= 18
        for scope in ("read", "write"):
            run = schemathesis(base, tokens[scope], tmp_path)
            out = run.stdout + run.stderr
            assert run.returncode == 0, f"{scope} token:\n{out[-6000:]}"
            assert f"{operations} selected" in out or f"{operations} operations" in out, out[-3000:]


def test_the_run_fails_when_a_view_is_broken(tmp_path: Path) -> None:
    with live_api(tmp_path / "data", "api.tests.broken_settings") as (base, tokens):
        run = schemathesis(base, tokens["read"], tmp_path)
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-3000:]
    assert "/accounts/{username}" in out, out[-3000:]

"""The scale-out configuration end to end: `igdash serve` on PostgreSQL with the
Redis broker scrapes the simulator through its worker, twice with churn, and the
export of each scrape equals what the simulator served that day."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from igdash.testing.processes import ROOT, run_serve
from igdash.testing.services import fresh_postgres_database
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _manage(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "igdash.settings", **env}
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _exported_usernames(env: dict[str, str], *args: str) -> set[str]:
    result = _manage(env, "export", "demo_small", "--format", "csv", "-o", "-", *args)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    return {row["username"] for row in rows}


def test_scrapes_and_exports_run_on_postgresql_and_redis(
    tmp_path: Path, sim: Sim, postgres_url: str, redis_url: str
) -> None:
    broker = redis_url.rsplit("/", 1)[0] + "/10"
    with fresh_postgres_database(postgres_url) as database_url:
        env = {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "IGDASH_DATA_DIR": str(tmp_path / "data"),
            "IGDASH_ENV_FILE": os.devnull,
            "IGDASH_INSTAGRAM_WEB_URL": sim.base,
            "IGDASH_INSTAGRAM_API_URL": sim.base,
            "IGDASH_KEY_STORE": "file",
            "IGDASH_PACING": "off",
            "IGDASH_RATE_WEB_API_LIMIT": "0",
            "IGDASH_RATE_MOBILE_API_LIMIT": "0",
        }
        with run_serve(tmp_path / "data", env) as served:
            health = served.wait_healthy()
            assert health["database"]["detail"] == "postgresql"  # type: ignore[index]
            assert health["broker"]["detail"] == "redis"  # type: ignore[index]
            login = _manage(env, "login_instagram", "demo_owner", "--sessionid-stdin",
                            stdin=sim.session("demo_owner") + "\n")  # fmt: skip
            assert login.returncode == 0, login.stderr

            day1_truth = {u["username"] for u in sim.truth("demo_small").values()}
            first = _manage(env, "scrape", "@demo_small", "--wait")
            assert first.returncode == 0, first.stderr + served.log()[-3000:]
            sim.advance(1)
            day2_truth = {u["username"] for u in sim.truth("demo_small").values()}
            second = _manage(env, "scrape", "@demo_small", "--wait")
            assert second.returncode == 0, second.stderr
            assert served.stop() == 0
        # The worker that serve started ran both scrapes (not the command itself).
        ran = [
            line
            for line in served.log().splitlines()
            if "Task scraping.run_scrape[" in line and "succeeded in" in line
        ]
        assert len(ran) >= 2, served.log()[-3000:]

        with psycopg.connect(database_url) as conn:
            scrape_ids = [row[0] for row in conn.execute(
                "SELECT id FROM scraping_scrape WHERE status = 'succeeded' ORDER BY id"
            )]  # fmt: skip
        assert len(scrape_ids) == 2

        assert _exported_usernames(env, "--list", "followers", "--at", str(scrape_ids[0])) == (
            day1_truth
        )
        assert _exported_usernames(env, "--list", "followers") == day2_truth
        assert _exported_usernames(env, "--list", "new") == day2_truth - day1_truth
        assert _exported_usernames(env, "--list", "lost") == day1_truth - day2_truth
        assert day2_truth - day1_truth and day1_truth - day2_truth  # the day really churned

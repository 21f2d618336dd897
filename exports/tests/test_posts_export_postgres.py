"""On PostgreSQL the export of now reads the posts' tags with string_agg (SQLite:
group_concat): its file must equal the general path's (--at the same scrape),
hostile captions, tags and unknown counts included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from igdash.testing.services import fresh_postgres_database

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]
BUILD = """
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target
account = target("creator", followers=1000)
scrape(account, day(0), followers=900)
run = scrape(account, day(9), followers=1000)
captions = ["=SUM(1) #alpha #beta @carol", "-1 #beta\\n@dave, \\"quoted\\"", "+x #alpha", "",
            "tab\\tand #gamma #alpha @carol"]
posts = [media(100 + i, day(1 + i), likes=None if i == 3 else 10 * i, comments=i,
               caption=caption, product_type="clips" if i % 2 else "feed",
               plays=500 * i if i % 2 else None, duration=12.5 if i % 2 else None)
         for i, caption in enumerate(captions)]
store_page(run, part(run), posts)
finalise(run, run.content)
print(run.pk)
"""


def test_the_posts_export_of_now_equals_the_general_path(postgres_url: str, tmp_path: Path) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "IGDASH_DATA_DIR": str(tmp_path / "data"),
            "IGDASH_ENV_FILE": os.devnull,
            "IGDASH_SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "igdash.settings",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]

        def run(*args: str) -> str:
            done = subprocess.run(
                [*manage, *args], env=env, timeout=180, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        run("migrate", "-v", "0")
        scrape_id = run("shell", "-c", BUILD).strip().splitlines()[-1]
        for fmt in ("csv", "json"):
            now, at = tmp_path / f"now.{fmt}", tmp_path / f"at.{fmt}"
            run("export", "@creator", "--list", "posts", "--format", fmt, "-o", str(now))
            run("export", "@creator", "--list", "posts", "--format", fmt, "--at", scrape_id,
                "-o", str(at))  # fmt: skip
            assert now.read_bytes() == at.read_bytes(), fmt
        text = (tmp_path / "now.csv").read_text(encoding="utf-8-sig")
        assert "'=SUM(1)" in text and "alpha" in text and "carol" in text

"""On PostgreSQL the migration adds pg_trgm GIN indexes on the expressions that
Django's icontains emits, so the planner can use them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from igdash.testing.services import fresh_postgres_database

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from django.db import connection
from accounts_app.models import IgUser
from accounts_app.search import users_matching
IgUser.objects.bulk_create(
    IgUser(username=f"user{i:05d}", full_name=f"Name {i}") for i in range(3000)
)
IgUser.objects.create(username="maya.rivera", full_name="Maya Rivera")
with connection.cursor() as cursor:
    cursor.execute("ANALYZE accounts_app_iguser")
    cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts_app_iguser'")
    print(sorted(row[0] for row in cursor.fetchall()))
    # A small table is cheaper to scan: forbid that to prove the indexes fit the query.
    cursor.execute("SET enable_seqscan = off")
    cursor.execute("SET enable_indexscan = off")
print(list(users_matching("RIVER").values_list("username", flat=True)))
print(users_matching("RIVER").explain())
"""


def test_trigram_indexes_serve_substring_search(postgres_url: str, tmp_path: Path) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "IGDASH_DATA_DIR": str(tmp_path),
            "IGDASH_ENV_FILE": os.devnull,
            "IGDASH_SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "igdash.settings",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, timeout=180)
        out = subprocess.run(
            [*manage, "shell", "-c", PROBE],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        ).stdout
    assert "['maya.rivera']" in out
    assert "Bitmap Index Scan on iguser_username_trgm" in out, out
    assert "Bitmap Index Scan on iguser_full_name_trgm" in out, out

"""What every benchmark shares: the throw-away workspace, children in fresh
processes that report their own peak RSS, synthetic followers, and a scrape
driven through the engine's own page store and finalise.

Every measured operation runs in a fresh subprocess (`python -m
benchmarks.<module> <role> ...`) that prints one JSON line with its figures
and `peak_rss_mb` (ru_maxrss), so one operation's memory never pollutes the
next figure. Databases are SQLite files in their own data folders
(IGDASH_DATA_DIR) under one temporary directory, deleted at the end. With a
PostgreSQL URL (`--database-url`), each of them is instead a throw-away database
on that server (CREATE DATABASE bench_<random>_<name>, copied with TEMPLATE,
dropped at the end) that the children reach through DATABASE_URL, the
project's own setting; the URL's own database is only used to create them.

Needs the `resource` module (Linux, macOS).
"""

from __future__ import annotations

import json
import os
import random
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# A workspace database: a SQLite file, or a PostgreSQL URL (postgresql://...).
Database = Path | str

ROOT = Path(__file__).resolve().parent.parent
TARGET = "benchtarget"
TARGET_PK = 424_242
WORKER = "benchmark-worker"
PAGE_SIZE = 200  # the private API's page
CHURN = 0.01
DB_NAME = "igdash.sqlite3"


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- Synthetic followers -----------------------------------------------------------------
# Shaped like the rows of docs/performance.md "Background" (int64 pk, ~14-char
# username, ~10-char full name), with a longer picture URL (~195 chars, a real CDN
# URL's query string; the Background rows had ~154). Every field is a pure function
# of the user's index, except the picture URL, which is re-signed every day as
# Instagram's are. About 13% of the users have "ana" in their names (the common
# search term); the base-36 tail of a username is practically unique (the rare one).

FIRST = (
    "ana", "liam", "emma", "noah", "mia", "leo", "zoe", "kai", "ivy", "max",
    "nina", "omar", "lena", "theo", "aria", "sam", "rosa", "yuki", "hugo", "ines",
    "diana", "luca", "sofia", "jonas", "elif", "marta", "tom", "lara", "ben", "eva",
    "juliana", "adam", "nora", "felix", "hanna", "oskar", "mila", "ravi", "iris", "paul",
)  # fmt: skip
LAST = (
    "rivera", "chen", "patel", "novak", "silva", "berg", "okafor", "larsen", "moreau",
    "tanaka", "rossi", "fischer", "haddad", "nguyen", "costa", "singh", "murphy", "duarte",
)  # fmt: skip
WORDS = ("art", "bakes", "photo", "runs", "daily", "surf", "eats", "lab", "wild", "north")
PK_BASE = 10_000_000_000
# Instagram's pks in a follower list are in no order (it lists by follow time, not
# account age): index i gets PK_BASE + (i * PK_STEP mod 2**34), a bijection, so
# neighbours in the list land far apart in the ig_pk index, as they do for real.
PK_STEP = 0x2545F4915
PK_SPAN = 2**34
_MIX = 0x9E3779B97F4A7C15
_MASK = 2**64 - 1
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, rest = divmod(value, 36)
        out.append(_B36[rest])
    return "".join(out)


def user_pk(index: int) -> int:
    return PK_BASE + (index * PK_STEP) % PK_SPAN


def user_fields(index: int, day: int) -> tuple[int, str, str, str, bool, bool]:
    """(pk, username, full_name, profile_pic_url, is_verified, is_private)."""
    pk = user_pk(index)
    h = (index * _MIX + 0x632BE59BD9B4E019) & _MASK
    first = FIRST[h % 40]
    username = f"{first}.{WORDS[(h >> 6) % 10]}{_b36(h >> 12, 5)}"
    full_name = f"{first.title()} {LAST[(h >> 40) % 18].title()}"
    sig = ((h ^ (day * 0xD6E8FEB86659FD93)) * _MIX) & _MASK
    pic = (
        f"https://scontent.cdninstagram.com/v/t51.2885-19/{pk}_{h % 10**16}_n.jpg"
        f"?stp=dst-jpg_s150x150&_nc_ht=scontent&_nc_ohc={sig:016x}&oh=00_{sig:016x}{h:016x}"
        f"&oe={0x67000000 + day * 86_400:08X}"
    )
    return pk, username, full_name, pic, (h >> 50) % 50 == 0, (h >> 52) % 4 == 0


def rare_term(rows: int) -> str:
    """The base-36 tail of one user's name: a substring almost no one else has."""
    return user_fields(rows // 2, 0)[1][-5:]


def users(indices: Sequence[int], day: int) -> list[Any]:
    from scraping.instagram.types import UserRecord

    return [UserRecord(*user_fields(i, day)) for i in indices]


class Followers:
    """The follower list day by day: day 0 is users 0..N-1; every next day 1% of
    the list leaves and as many new users join (newest first, as Instagram lists)."""

    def __init__(self, rows: int, churn: float = CHURN, seed: int = 11) -> None:
        # 8 bytes a member (not a list of int objects): the harness must not
        # outweigh the code it measures (peak memory is a figure of the rows).
        self.members = array("q", range(rows))  # oldest first
        self.next_index = rows
        self.churn = churn
        self.seed = seed
        self.day = 0

    def advance(self) -> tuple[int, int]:
        self.day += 1
        rng = random.Random(self.seed * 1000 + self.day)
        count = round(len(self.members) * self.churn)
        gone = set(rng.sample(range(len(self.members)), count))
        self.members = array("q", (m for i, m in enumerate(self.members) if i not in gone))
        self.members.extend(range(self.next_index, self.next_index + count))
        self.next_index += count
        return count, count

    def page_count(self) -> int:
        return -(-len(self.members) // PAGE_SIZE)

    def pages(self) -> Iterator[list[int]]:
        """Newest first, one page at a time."""
        end = len(self.members)
        while end > 0:
            yield self.members[max(end - PAGE_SIZE, 0) : end].tolist()[::-1]
            end -= PAGE_SIZE


# --- A scrape through the engine's code, minus HTTP (runs inside a Django child) --------


def target_profile(followers: int) -> Any:
    from scraping.instagram.types import Profile

    return Profile(
        pk=TARGET_PK,
        username=TARGET,
        full_name="Bench Target",
        profile_pic_url="https://scontent.cdninstagram.com/v/t51.2885-19/target_n.jpg",
        is_verified=True,
        is_private=False,
        follower_count=followers,
        following_count=0,
    )


def start_scrape(followers: int) -> tuple[Any, Any]:
    """create_scrape + claim + attach_profile, as the engine does before paging."""
    from scraping.models import ScrapeList
    from scraping.services import create_scrape
    from scraping.services.scrapes import claim
    from scraping.services.store import attach_profile

    created = create_scrape(TARGET, lists="followers", trigger="command", source="private")
    scrape = claim(created.pk, WORKER)
    assert scrape is not None
    attach_profile(scrape, WORKER, target_profile(followers))
    part = ScrapeList.objects.get(scrape=scrape)
    return scrape, part


def store_pages(scrape: Any, part: Any, followers: Followers, *, grouped: bool = True) -> float:
    """Every page through the page store; returns the seconds spent in it (building
    the pages' user records is not counted). Pages arrive back to back, so the
    engine would write GROUP_USERS users a transaction (engine._page_through):
    `grouped` does the same; without it, one transaction a page (a paced scrape)."""
    from scraping.instagram.types import Page
    from scraping.services.engine import GROUP_USERS
    from scraping.services.store import store_pages as store
    from scraping.services.tuning import scrape_connection

    per_group = max(GROUP_USERS // PAGE_SIZE, 1) if grouped else 1
    spent = 0.0
    pages = followers.pages()
    total = followers.page_count()
    with scrape_connection():  # as run_scrape does
        for first in range(0, total, per_group):
            group = []
            for number in range(first, min(first + per_group, total)):
                last = number == total - 1
                cursor = None if last else f"cursor-{number + 1}"
                group.append(Page(users(next(pages), followers.day), cursor))
            started = time.perf_counter()
            store(scrape, WORKER, part, group)
            spent += time.perf_counter() - started
    return spent


def finalise(scrape: Any) -> tuple[float, Any]:
    from scraping.services.delta import finalise as real_finalise

    started = time.perf_counter()
    done = real_finalise(scrape, WORKER)
    return time.perf_counter() - started, done


def django_setup() -> None:
    import django

    django.setup()


# --- Children ------------------------------------------------------------------------------


def emit(result: dict[str, Any]) -> None:
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result), flush=True)


def is_postgres(database: Database) -> bool:
    return str(database).startswith(("postgres://", "postgresql://", "pgsql://"))


def as_database(argument: str) -> Database:
    """A child's database argument: a PostgreSQL URL as is, else a SQLite file."""
    return argument if is_postgres(argument) else Path(argument)


def connect(database: Database) -> Any:
    """A plain connection for a raw baseline: sqlite3, or psycopg 3 in autocommit
    (both answer `execute(sql, params)`; `sql` placeholders are `?`, see `sql`)."""
    if is_postgres(database):
        import psycopg

        return psycopg.connect(str(database), autocommit=True)
    return sqlite3.connect(database)


def sql(database: Database, text: str) -> str:
    """`text` with its `?` placeholders as the database's driver wants them."""
    return text.replace("?", "%s") if is_postgres(database) else text


def query_one(database: Database, text: str, params: Sequence[Any] = ()) -> Any:
    db = connect(database)
    try:
        return db.execute(sql(database, text), params).fetchone()
    finally:
        db.close()


def checkpoint(database: Database) -> None:
    """Fold the WAL into the main file (so the file can be copied or measured).
    Nothing to do on PostgreSQL."""
    if is_postgres(database):
        return
    db = sqlite3.connect(database)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def file_size(database: Path) -> int:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if suffix != "-shm" and path.exists():
            total += path.stat().st_size
    return total


# --- Parent --------------------------------------------------------------------------------


@dataclass
class Workspace:
    """A temporary folder of data folders, one SQLite database each; or, given
    `database_url`, one PostgreSQL database each on that server."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="igdash-bench-")))
    built: dict[str, Any] = field(default_factory=dict)  # databases and figures built once
    database_url: str | None = None
    prefix: str = field(default_factory=lambda: f"bench_{secrets.token_hex(4)}")
    created: list[str] = field(default_factory=list)  # PostgreSQL databases to drop

    @property
    def postgres(self) -> bool:
        return self.database_url is not None

    def data_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def database(self, name: str) -> Any:
        """The SQLite file (a Path) or the PostgreSQL URL (a str) of `name`."""
        if self.database_url is None:
            return self.data_dir(name) / DB_NAME
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(path="/" + self.pg_name(name)))

    def pg_name(self, name: str) -> str:
        return f"{self.prefix}_{name.replace('-', '_')}"

    def _server(self, statement: str) -> None:
        """One statement on the URL's own database (CREATE / DROP DATABASE)."""
        import psycopg

        assert self.database_url is not None
        with psycopg.connect(self.database_url, autocommit=True) as db:
            db.execute(statement)

    def _create(self, name: str, template: str | None = None) -> None:
        target = self.pg_name(name)
        self._server(f'DROP DATABASE IF EXISTS "{target}"')
        if target not in self.created:
            self.created.append(target)
        copy_of = f' TEMPLATE "{self.pg_name(template)}"' if template else ""
        self._server(f'CREATE DATABASE "{target}"{copy_of}')

    def env(self, name: str, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "IGDASH_DATA_DIR": str(self.data_dir(name)),
            "IGDASH_ENV_FILE": os.devnull,
            "DJANGO_SETTINGS_MODULE": "igdash.settings",
            "IGDASH_SECRET_KEY": "benchmark-only-" + "x" * 40,
            "IGDASH_KEY_STORE": "file",
            "IGDASH_PACING": "off",
            **extra,
        }
        for key in ("DATABASE_URL", "CELERY_BROKER_URL", "IGDASH_DEBUG"):
            env.pop(key, None)
        if self.postgres:
            env["DATABASE_URL"] = self.database(name)
        return env

    def run(self, module: str, name: str, *args: object, **extra_env: str) -> dict[str, Any]:
        """Run `python -m benchmarks.<module> <args>` against data folder `name`."""
        done = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{module}", *map(str, args)],
            cwd=ROOT,
            env=self.env(name, **extra_env),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"benchmark child {module} {args} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def migrated(self, name: str) -> Any:
        """A fresh, migrated database in data folder `name`."""
        if "template" not in self.built:
            if self.postgres:
                self._create("template")
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"],
                cwd=ROOT,
                env=self.env("template"),
                check=True,
            )
            checkpoint(self.database("template"))
            self.built["template"] = self.database("template")
        return self.copy("template", name)

    def empty(self, name: str) -> Any:
        """A database with no tables yet (a new SQLite file, or CREATE DATABASE)."""
        if self.postgres:
            self._create(name)
        return self.database(name)

    def copy(self, source: str, name: str) -> Any:
        if self.postgres:  # every connection to `source` is closed: its children ended
            self._create(name, template=source)
            return self.database(name)
        src, dst = self.database(source), self.database(name)
        checkpoint(src)
        for suffix in ("-wal", "-shm"):
            Path(f"{dst}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(src, dst)
        return dst

    def base(self, rows: int) -> Any:
        """N followers of @benchtarget after one complete scrape, written through
        the engine's page store and finalise (the ingest benchmark builds it)."""
        if "base" not in self.built:
            from benchmarks import ingest

            ingest.build_base(self, rows)
        return self.built["base"]

    def close(self) -> None:
        for name in reversed(self.created):
            try:
                self._server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as error:  # go on dropping the others
                print(f"could not drop database {name}: {error}", file=sys.stderr)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Figure:
    """One measured operation: the project against its raw baseline."""

    operation: str
    case: str
    project: float  # seconds, or bytes for storage
    baseline: float | None
    unit: str  # "s", "ms", "MB", "%"
    goal: str
    passed: bool | None  # None: no goal, for information
    project_rss_mb: float | None = None
    baseline_rss_mb: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.project / self.baseline  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["ratio"] = self.ratio
        return data


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.1f} {unit}"


def print_figure(fig: Figure) -> None:
    ratio = f"{fig.ratio:.2f}" if fig.ratio is not None else "-"
    rss = f"{fig.project_rss_mb:.0f}" if fig.project_rss_mb is not None else "-"
    base_rss = f"{fig.baseline_rss_mb:.0f}" if fig.baseline_rss_mb is not None else "-"
    verdict = {True: "pass", False: "FAIL", None: "info"}[fig.passed]
    print(
        f"  {fig.operation:9} {fig.case:28} project {fmt_value(fig.project, fig.unit):>10}"
        f"  raw {fmt_value(fig.baseline, fig.unit):>10}  ratio {ratio:>5}"
        f"  RSS {rss:>4}/{base_rss:>4} MB  {verdict}" + (f"  ({fig.note})" if fig.note else ""),
        flush=True,
    )

"""seed_demo: weeks of daily scrapes of the simulator, through the real engine."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts_app import avatars
from accounts_app.models import LoginCredential, TrackedAccount
from accounts_app.tests import factories
from audience.models import Comment, CommentPart
from content.models import Post, PostMetrics
from igdash import demo
from notify.models import Event
from scraping.models import Relationship, Scrape, ScrapeStats
from scraping.tests.engine_fakes import isolated_vault  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_builds_a_daily_history_with_churn(isolated_vault: Path, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.MEDIA_ROOT = isolated_vault / "media"
    out = StringIO()
    call_command("seed_demo", "--days", "4", "--accounts", "demo_small,demo_owner", stdout=out)
    assert "Seeded 8 scrapes (8 succeeded)" in out.getvalue()
    small = TrackedAccount.objects.get(user__username="demo_small")
    stats = list(ScrapeStats.objects.filter(target=small).order_by("taken_at"))
    assert len(stats) == 4
    days = [(timezone.now() - s.taken_at).days for s in stats]
    assert days == [3, 2, 1, 0]  # one scrape per day, ending today
    assert sum(s.lost_followers for s in stats[1:]) > 0  # 2% leave a day
    assert sum(s.new_followers for s in stats[1:]) > 0
    assert Relationship.objects.filter(target=small, ended_by__isnull=False).exists()
    assert small.bookmarked and small.last_scraped_at > timezone.now() - dt.timedelta(hours=1)
    assert not LoginCredential.objects.exists()  # its session died with the simulator
    assert avatars.cached(small.user_id) is not None
    assert Scrape.objects.filter(client_used="").count() == 0
    # The bell: each day's events dated on their day, only the last day's unread.
    events = list(Event.objects.all())
    assert len({(timezone.now() - e.created_at).days for e in events}) >= 2
    unread = [e for e in events if not e.read]
    assert unread and len(unread) < len(events)
    assert all(timezone.now() - e.created_at < dt.timedelta(hours=1) for e in unread)
    assert all(timezone.now() - e.created_at > dt.timedelta(hours=12) for e in events if e.read)


def test_seeds_posts_and_reels_with_a_few_days_of_metrics(isolated_vault: Path, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # The content figures need posts, and their curves more than one snapshot:
    # the last CONTENT_DAYS days list posts and reels through the real engine.
    settings.MEDIA_ROOT = isolated_vault / "media"
    out = StringIO()
    call_command("seed_demo", "--days", "4", "--accounts", "demo_small", stdout=out)
    assert "Seeded 4 scrapes (4 succeeded)" in out.getvalue()
    small = TrackedAccount.objects.get(user__username="demo_small")
    with_content = list(Scrape.objects.filter(target=small, content__isnull=False).order_by("pk"))
    assert len(with_content) == demo.CONTENT_DAYS == 3
    assert all(scrape.parts.count() == 2 for scrape in with_content)  # and both lists
    # The simulator's day 3: the demo's last day (days 0..3, content on 1..3).
    shown = Post.objects.filter(target=small, removed_by__isnull=True)
    assert set(shown.values_list("ig_pk", flat=True)) == simulator_posts("demo_small", day=3)
    assert shown.filter(product_type="clips").exists()
    assert shown.filter(product_type="carousel").exists()
    # Hidden likes stay unknown; some counts changed across the days (young posts climb).
    assert PostMetrics.objects.filter(post__target=small, likes__isnull=True).exists()
    assert PostMetrics.objects.filter(post__target=small, ended_by__isnull=False).exists()
    # Thumbnails were cached while the simulator's CDN still ran.
    assert not Post.objects.filter(target=small, thumbnail="").exists()
    assert "post thumbnails" in out.getvalue()
    # The same days list the comments of the last posts: the Audience tab has commenters.
    parts = CommentPart.objects.filter(scrape__target=small)
    assert parts.count() == demo.CONTENT_DAYS
    assert all(part.posts == demo.DEMO_COMMENT_POSTS for part in parts)
    assert Comment.objects.filter(target=small).exists()


def simulator_posts(username: str, day: int) -> set[int]:
    """The posts the demo's simulator (seed 1) shows on `day`."""
    from scraping.simulator.server import start_simulator, stop_simulator

    server, _ = start_simulator(seed=1)
    try:
        owner = server.world.cast_index(username)
        assert owner is not None
        return {post.pk for post in server.world.content.visible(owner, day)}
    finally:
        stop_simulator(server)


def test_refuses_a_database_with_the_owners_own_accounts(db: None) -> None:
    factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    with pytest.raises(CommandError, match="already tracks @alice") as refused:
        call_command("seed_demo", "--days", "1")
    # The commands it suggests are the ones the README uses, not manage.py.
    message = str(refused.value)
    assert "manage.py" not in message
    assert "`IGDASH_DATA_DIR=./demo-data .venv/bin/igdash seed_demo`" in message
    assert ".venv\\Scripts\\igdash.exe seed_demo`" in message


def test_seeds_a_data_folder_no_command_has_created_yet(tmp_path: Path) -> None:
    from exports.tests.processes import checked, manage

    done = checked(manage(tmp_path, "seed_demo", "--days", "1", "--accounts", "demo_small"))
    assert "Seeded 1 scrapes" in done.stdout, done.stdout
    assert (tmp_path / "igdash.sqlite3").exists()


def test_refuses_to_seed_the_demo_twice_into_one_history(isolated_vault: Path, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # A second run started its days again from day 0 and slid them between the first
    # run's scrapes: two interleaved histories of the same accounts, every delta wrong.
    settings.MEDIA_ROOT = isolated_vault / "media"
    call_command("seed_demo", "--days", "1", "--accounts", "demo_small", stdout=StringIO())
    with pytest.raises(CommandError, match="already holds the demo") as refused:
        call_command("seed_demo", "--days", "1", "--accounts", "demo_small", stdout=StringIO())
    assert "IGDASH_DATA_DIR=" in str(refused.value)
    assert Scrape.objects.count() == 1

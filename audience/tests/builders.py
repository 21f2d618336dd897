"""Rows for the audience page tests: an account with posts, a follower history
and commenters (some follow, some loyal, one left)."""

from __future__ import annotations

import datetime as dt

from accounts_app.models import IgUser
from audience.models import AudienceAnalysis, Comment
from content.models import Post
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target
from scraping.models import Direction, Relationship, ScrapeList

TEXTS = ("Great post!", "🔥🔥", "Where was this taken? The light is unreal", "Nice!", "😍")


def audience_account(username: str = "creator", commenters: int = 80) -> list[Post]:
    account = target(username, followers=500)
    first = scrape(account, day(0), followers=450)
    run = scrape(account, day(30), followers=500)
    for made in (first, run):
        ScrapeList.objects.create(scrape=made, direction=Direction.FOLLOWER, complete=True)
    content = part(run)
    store_page(run, content, [media(700 + n, day(2 + n * 2)) for n in range(14)])
    finalise(run, content)
    posts = list(Post.objects.filter(target=account).order_by("-taken_at"))
    users = [
        IgUser.objects.create(
            ig_pk=5_000_000 + n,
            username=f"fan_{username}_{n:03d}_with_a_rather_long_name"[:30]
            if n % 9 == 0
            else f"fan_{n:03d}",
            full_name=f"Fan Number {n}",
            is_private=n % 4 == 0,
            is_verified=n % 25 == 0,
        )
        for n in range(commenters)
    ]
    for n, user in enumerate(users):
        if n % 2 == 0:
            ended = run if n % 10 == 0 else None
            Relationship.objects.create(
                target=account,
                user=user,
                direction=Direction.FOLLOWER,
                first_seen=first,
                ended_by=ended,
            )
    rows = []
    for n, user in enumerate(users):
        for k, post in enumerate(posts[: 1 + n % 5]):
            rows.append(
                Comment(
                    post=post,
                    target=account,
                    ig_pk=10**12 + n * 100 + k,
                    author=user,
                    text=TEXTS[(n + k) % len(TEXTS)],
                    created_at=post.taken_at + dt.timedelta(minutes=5 + n * 7),
                    like_count=n % 3,
                    first_seen=run,
                    last_seen=run,
                )
            )
    Comment.objects.bulk_create(rows)
    AudienceAnalysis.objects.create(
        target=account,
        provider="fake",
        version="1",
        status=AudienceAnalysis.Status.DONE,
        total=commenters,
        done=commenters,
        sample=max(commenters - 3, 0),
        faces=max(commenters - 10, 0),
        gender={"female": commenters // 2, "male": max(commenters // 2 - 12, 0), "unknown": 12},
        age={"18-24": commenters // 3, "25-34": commenters // 2, "55+": 2, "unknown": 12},
    )
    return posts

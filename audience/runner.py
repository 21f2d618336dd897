"""The comments part of a scrape: the comments of the target's last N posts,
post by post and page by page, inside the scrape engine's run (registered with
scraping.services.extra_parts in audience/apps.py, after content's posts part,
so the posts are fresh). Same client, login and shared limiter as the lists;
an Instagram failure it lets through (429, logout, challenge) ends in the same
states. Each page with its reply threads is stored with the post's checkpoint
in one transaction (audience.store), so a resumed run goes on from there.

A re-run asks only for the comments newer than the last complete listing of a
post (min_id) where the client can; when the comments held then do not add up
to Instagram's count (a reply to an old comment, a removal), it lists the post
again in full."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from audience import classify, store
from audience.models import CommentPart, PostComments
from content.models import ContentPart, Post
from scraping.instagram.errors import NotFound
from scraping.instagram.types import Comment, CommentPage
from scraping.models import Scrape
from scraping.services.extra_parts import ExtraProgress

if TYPE_CHECKING:
    from scraping.services.engine import Run

NO_COMMENT_CLIENT = "the {client} client cannot list comments"
WEB_THREADS = "the web session shows only the first replies of a thread"
CLAIMED_MORE = "Instagram claimed more comments without a cursor"
REPEATED = "Instagram sent the same comments cursor twice"
GONE = "the post is no longer on Instagram"


def recent_posts(scrape: Scrape, count: int) -> list[Post]:
    """The target's `count` newest posts that are not removed; those the scrape's
    own posts listing saw when it has one (a post gone since the last scrape is
    not marked removed before finalise)."""
    posts = Post.objects.filter(target_id=scrape.target_id, removed_by__isnull=True)
    if ContentPart.objects.filter(scrape_id=scrape.pk).exists():
        posts = posts.filter(last_seen_id=scrape.pk)
    return list(posts.order_by("-taken_at", "-ig_pk")[:count])


class CommentsScrapePart:
    """What scraping.services.extra_parts expects of a part."""

    label = "comments"

    def wanted(self, scrape: Scrape) -> bool:
        return CommentPart.objects.filter(scrape_id=scrape.pk).exists()

    def page_through(self, run: Run, target_pk: int) -> None:
        part = CommentPart.objects.get(scrape_id=run.scrape.pk)
        client: Any = run.client
        if client is None or not hasattr(client, "comments_page"):
            name = getattr(client, "name", "chosen")
            CommentPart.objects.filter(pk=part.pk).update(
                incomplete_reason=NO_COMMENT_CLIENT.format(client=name)
            )
            return
        if part.started_at is None:
            part.started_at = timezone.now()
            CommentPart.objects.filter(pk=part.pk).update(started_at=part.started_at)
        for post in recent_posts(run.scrape, part.posts):
            listing, _ = PostComments.objects.get_or_create(part=part, post=post)
            if listing.state == PostComments.State.PENDING:
                _list_post(run, client, part, listing)

    def progress(self, scrape: Scrape) -> ExtraProgress | None:
        part = CommentPart.objects.filter(scrape_id=scrape.pk).first()
        if part is None:
            return None
        done = PostComments.objects.filter(part=part).exclude(state=PostComments.State.PENDING)
        settled = done.count()
        percent = None if part.complete is not None else min(100, 100 * settled // part.posts)
        return ExtraProgress(
            name=self.label,
            fetched=part.fetched,
            pages=settled,
            summary=f"{part.fetched:,} comments listed · {settled} of {part.posts} posts",
            percent=percent,
            seconds_left=None,
            complete=part.complete,
            reason=part.incomplete_reason if part.complete is False else "",
        )

    def finalise(self, scrape: Scrape) -> str:
        part = CommentPart.objects.get(scrape_id=scrape.pk)
        part = store.finalise(part)
        if classify.configured() != "none" and scrape.target is not None:
            # Its own background job once the scrape is committed: never blocks it.
            target = scrape.target
            transaction.on_commit(lambda: classify.start(target))
        return "" if part.complete else part.incomplete_reason


def _previous_cursor(listing: PostComments) -> str:
    """min_id of the newest comment of the post's last complete listing."""
    before = (
        PostComments.objects.filter(post=listing.post, state=PostComments.State.COMPLETE)
        .exclude(newest_cursor="")
        .exclude(part=listing.part)
        .order_by("-part__scrape_id")
        .values_list("newest_cursor", flat=True)
        .first()
    )
    return before or ""


def _list_post(run: Run, client: Any, part: CommentPart, listing: PostComments) -> None:
    if not listing.started:
        previous = _previous_cursor(listing) if client.pages_newer else ""
        mode = PostComments.Mode.NEWER if previous else PostComments.Mode.FULL
        PostComments.objects.filter(pk=listing.pk).update(
            mode=mode, cursor=previous, newest_cursor=previous
        )
        listing.mode, listing.cursor, listing.newest_cursor = mode, previous, previous
    try:
        reason = _page_post(run, client, part, listing)
    except NotFound:
        store.settle(run.scrape, part, listing, GONE)
        return
    if not reason:
        reason = store.count_mismatch(run.scrape, listing)
        if reason and listing.mode == PostComments.Mode.NEWER:
            # The newer comments alone do not add up: list the post again in full.
            PostComments.objects.filter(pk=listing.pk).update(
                mode=PostComments.Mode.FULL, cursor="", started=False, pages=0
            )
            listing.mode, listing.cursor, listing.started = PostComments.Mode.FULL, "", False
            reason = _page_post(run, client, part, listing) or store.count_mismatch(
                run.scrape, listing
            )
    store.settle(run.scrape, part, listing, reason)


def _page_post(run: Run, client: Any, part: CommentPart, listing: PostComments) -> str:
    """Page through one post's comments from its checkpoint. Returns "" when the
    listing ran to Instagram's end, else why it stopped."""
    media_pk = listing.post.ig_pk
    newer = listing.mode == PostComments.Mode.NEWER
    while True:
        cursor = listing.cursor or None
        if listing.started and cursor is None:
            return ""
        if newer:
            page: CommentPage = client.comments_page(media_pk, min_id=cursor)
            following = page.newer
        else:
            page = client.comments_page(media_pk, max_id=cursor)
            following = page.older
        comments, reason = _with_threads(client, media_pk, page)
        newest = listing.newest_cursor
        if page.newest_cursor and (newer or not listing.started):
            newest = page.newest_cursor  # the newest page of a full listing is its first
        store.store_comments(
            run.scrape,
            part,
            listing,
            comments,
            cursor=following or "",
            started=True,
            pages=listing.pages + 1,
            newest_cursor=newest,
            expected=page.total if page.total is not None else listing.expected,
        )
        if page.more_hidden:
            return reason or CLAIMED_MORE
        if reason:
            return reason
        if following is None:
            return ""
        if following == cursor:
            return REPEATED


def _with_threads(client: Any, media_pk: int, page: CommentPage) -> tuple[list[Comment], str]:
    """The page's comments with every reply of their threads (the private client
    pages each thread; the web one shows its first replies only)."""
    found: list[Comment] = []
    reason = ""
    inline = page.inline_replies or {}
    for comment in page.comments:
        found.append(comment)
        shown = inline.get(comment.pk, [])
        if comment.replies <= len(shown):
            found.extend(shown)
            continue
        if not client.fetches_replies:
            found.extend(shown)
            reason = WEB_THREADS
            continue
        found.extend(_thread(client, media_pk, comment.pk))
    return found, reason


def _thread(client: Any, media_pk: int, comment_pk: int) -> list[Comment]:
    replies: list[Comment] = []
    cursor: str | None = None
    while True:
        page = client.replies_page(media_pk, comment_pk, cursor)
        replies.extend(page.comments)
        if page.older is None or page.older == cursor:
            return replies
        cursor = page.older

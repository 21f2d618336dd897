"""Writing comments: one page (with its reply threads) and its checkpoint in one
transaction, so a resumed run goes on from the stored cursor and a page stored
twice changes nothing (comments are upserted on (post, pk))."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F

from accounts_app.models import IgUser
from audience.models import Comment, CommentPart, PostComments
from scraping.instagram.types import Comment as WireComment
from scraping.models import Scrape
from scraping.services.store import adopt_placeholders, upsert_users


def store_comments(
    scrape: Scrape,
    part: CommentPart,
    listing: PostComments,
    comments: Sequence[WireComment],
    **checkpoint: object,
) -> int:
    """Store `comments` of the listing's post and move its checkpoint; returns how
    many were new. The checkpoint fields (cursor, started, pages, newest_cursor,
    expected) are written in the same transaction."""
    unique = {comment.pk: comment for comment in comments}
    with transaction.atomic():
        authors = {comment.author.pk: comment.author for comment in unique.values()}
        if authors:
            adopt_placeholders(authors.values())
            _upsert_authors(unique.values())
        ids = dict(IgUser.objects.filter(ig_pk__in=authors).values_list("ig_pk", "id"))
        post = listing.post
        known = dict(Comment.objects.filter(post=post, ig_pk__in=unique).values_list("ig_pk", "id"))
        new = [
            Comment(
                post=post,
                target_id=post.target_id,
                ig_pk=pk,
                author_id=ids[comment.author.pk],
                text=comment.text,
                created_at=comment.created_at,
                like_count=comment.likes,
                parent_pk=comment.parent_pk,
                first_seen=scrape,
                last_seen=scrape,
            )
            for pk, comment in unique.items()
            if pk not in known
        ]
        Comment.objects.bulk_create(new, batch_size=500)
        for pk, row_id in known.items():
            comment = unique[pk]
            Comment.objects.filter(pk=row_id).update(
                text=comment.text,
                like_count=comment.likes,
                author_id=ids[comment.author.pk],
                last_seen=scrape,
                removed_by=None,
            )
        PostComments.objects.filter(pk=listing.pk).update(
            fetched=F("fetched") + len(new), **checkpoint
        )
        CommentPart.objects.filter(pk=part.pk).update(
            fetched=F("fetched") + len(unique), new_comments=F("new_comments") + len(new)
        )
    for name, value in checkpoint.items():
        setattr(listing, name, value)
    return len(new)


def _upsert_authors(comments: Iterable[WireComment]) -> None:
    """Authors with every field are upserted; those the answer showed without
    full name and privacy (the web query) are only added when unknown, so a
    known name or private flag is never overwritten with a blank."""
    full = {c.author.pk: c.author for c in comments if c.author_complete}
    thin = {c.author.pk: c.author for c in comments if not c.author_complete}
    if thin:
        known = set(IgUser.objects.filter(ig_pk__in=thin).values_list("ig_pk", flat=True))
        full.update({pk: user for pk, user in thin.items() if pk not in known and pk not in full})
    if full:
        upsert_users(list(full.values()))


def count_mismatch(scrape: Scrape, listing: PostComments) -> str:
    """Why the comments held for the post do not account for Instagram's
    comment_count ("" when they do). A full listing counts what it saw; a
    newer-only one counts everything stored and not removed."""
    if listing.expected is None:
        return ""
    held = Comment.objects.filter(post=listing.post, removed_by__isnull=True)
    if listing.mode == PostComments.Mode.FULL:
        held = held.filter(last_seen=scrape)
    count = held.count()
    if count == listing.expected:
        return ""
    if listing.mode == PostComments.Mode.FULL and count > listing.expected:
        return ""  # comments removed while the listing paged: it saw them all
    return f"Instagram counts {listing.expected:,} comments on a post and listed {count:,}"


def settle(scrape: Scrape, part: CommentPart, listing: PostComments, reason: str) -> None:
    """Judge a post's listing. Complete (no reason): every comment the post shows
    was seen, so a full listing marks the post's comments it did not see
    removed. Partial: nothing is removed."""
    with transaction.atomic():
        if not reason and listing.mode == PostComments.Mode.FULL:
            gone = Comment.objects.filter(post=listing.post, removed_by__isnull=True).exclude(
                last_seen=scrape
            )
            removed = gone.update(removed_by=scrape)
            if removed:
                CommentPart.objects.filter(pk=part.pk).update(removed=F("removed") + removed)
        state = PostComments.State.PARTIAL if reason else PostComments.State.COMPLETE
        PostComments.objects.filter(pk=listing.pk).update(state=state, reason=reason[:255])
    listing.state, listing.reason = state, reason[:255]


def finalise(part: CommentPart) -> CommentPart:
    """The part's verdict: complete when every post's listing is."""
    partial = PostComments.objects.filter(part=part).exclude(state=PostComments.State.COMPLETE)
    first = partial.exclude(reason="").first()
    count = partial.count()
    if part.incomplete_reason:
        reason = part.incomplete_reason
    elif count:
        why = first.reason if first is not None else "not listed"
        reason = f"{count} post{'s' if count != 1 else ''} with a partial comment list ({why})"
    else:
        reason = ""
    CommentPart.objects.filter(pk=part.pk).update(
        complete=not reason, incomplete_reason=reason[:255]
    )
    part.complete, part.incomplete_reason = not reason, reason[:255]
    return part

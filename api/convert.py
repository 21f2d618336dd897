"""Rows of the database as the API's schemas (plain dicts pydantic checks)."""

from __future__ import annotations

from typing import Any

from accounts_app.models import TrackedAccount
from scraping import scrape_pages
from scraping.models import Scrape, ScrapeStats

PROFILE = "https://www.instagram.com/{}/"


def account(target: TrackedAccount) -> dict[str, Any]:
    user = target.user
    last = target.last_scrape
    return {
        "username": user.username,
        "full_name": user.full_name,
        "ig_pk": user.ig_pk,
        "is_private": user.is_private,
        "is_verified": user.is_verified,
        "profile_url": PROFILE.format(user.username),
        "follower_count": target.follower_count,
        "following_count": target.following_count,
        "bookmarked": target.bookmarked,
        "last_scraped_at": target.last_scraped_at,
        "last_scrape": None
        if last is None
        else {
            "id": last.pk,
            "status": last.status,
            "created_at": last.created_at,
            "finished_at": last.finished_at,
        },
        "created_at": target.created_at,
    }


def counts(stats: ScrapeStats | None) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {
        "followers": stats.followers,
        "following": stats.following,
        "mutuals": stats.mutuals,
        "not_following_back": stats.not_following_back,
        "not_followed_back": stats.not_followed_back,
    }


def delta(stats: ScrapeStats | None) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {
        "new_followers": stats.new_followers,
        "lost_followers": stats.lost_followers,
        "new_following": stats.new_following,
        "lost_following": stats.lost_following,
    }


def scrape(progress: scrape_pages.Progress) -> dict[str, Any]:
    row: Scrape = progress.scrape
    stats = ScrapeStats.objects.filter(scrape=row).first() if progress.has_result else None
    return {
        "id": row.pk,
        "handle": row.handle,
        "status": row.status,
        "finished": progress.finished,
        "lists": row.lists,
        "trigger": row.trigger,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "message": progress.message,
        "error_code": row.error_code,
        "progress": [
            {
                "list": part.name,
                "fetched": part.fetched,
                "expected": part.expected,
                "percent": part.percent,
                "complete": part.complete,
                "reason": part.reason,
            }
            for part in progress.parts
        ],
        "extras": [
            {
                "name": extra.name,
                "fetched": extra.fetched,
                "pages": extra.pages,
                "summary": extra.summary,
                "percent": extra.percent,
                "seconds_left": extra.seconds_left,
                "complete": extra.complete,
                "reason": extra.reason,
            }
            for extra in progress.extras
        ],
        "counts": counts(stats),
        "delta": delta(stats),
    }


def timeline_point(stats: ScrapeStats) -> dict[str, Any]:
    return {
        "scrape_id": stats.scrape_id,
        "taken_at": stats.taken_at,
        **(counts(stats) or {}),
        **(delta(stats) or {}),
    }

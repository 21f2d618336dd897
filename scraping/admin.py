from __future__ import annotations

from django.contrib import admin

from scraping.models import (
    RateLimitEvent,
    RateLimitWindow,
    Relationship,
    Scrape,
    ScrapeList,
    ScrapeSeen,
    ScrapeStats,
)


class ScrapeListInline(admin.TabularInline):
    model = ScrapeList
    extra = 0
    readonly_fields = ["direction", "expected", "fetched", "pages", "exhausted", "capped"]


@admin.register(Scrape)
class ScrapeAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "target",
        "lists",
        "status",
        "trigger",
        "client_used",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "trigger", "source", "lists"]
    search_fields = ["target__user__username", "error_message", "=id"]
    list_select_related = ["target__user"]
    raw_id_fields = ["target", "login"]
    inlines = [ScrapeListInline]


@admin.register(ScrapeList)
class ScrapeListAdmin(admin.ModelAdmin):
    list_display = ["scrape", "direction", "fetched", "expected", "exhausted", "complete"]
    list_filter = ["direction", "complete", "capped"]
    search_fields = ["scrape__target__user__username", "=scrape__id"]
    list_select_related = ["scrape__target__user"]
    raw_id_fields = ["scrape"]


@admin.register(Relationship)
class RelationshipAdmin(admin.ModelAdmin):
    list_display = ["target", "user", "direction", "first_seen", "last_seen", "ended_by"]
    list_filter = ["direction"]
    search_fields = ["user__username", "target__user__username"]
    list_select_related = ["target__user", "user", "first_seen", "last_seen", "ended_by"]
    raw_id_fields = ["target", "user", "first_seen", "last_seen", "ended_by"]
    show_full_result_count = False


@admin.register(ScrapeSeen)
class ScrapeSeenAdmin(admin.ModelAdmin):
    list_display = ["scrape", "direction", "user"]
    list_filter = ["direction"]
    search_fields = ["user__username", "=scrape__id"]
    list_select_related = ["scrape__target__user", "user"]
    raw_id_fields = ["scrape", "user"]
    show_full_result_count = False


@admin.register(ScrapeStats)
class ScrapeStatsAdmin(admin.ModelAdmin):
    list_display = [
        "scrape",
        "target",
        "taken_at",
        "followers",
        "following",
        "new_followers",
        "lost_followers",
        "mutuals",
    ]
    search_fields = ["target__user__username", "=scrape__id"]
    list_select_related = ["scrape__target__user", "target__user"]
    raw_id_fields = ["scrape", "target"]


@admin.register(RateLimitWindow)
class RateLimitWindowAdmin(admin.ModelAdmin):
    list_display = ["key", "family", "blocked_until", "strikes", "last_strike_at"]
    list_filter = ["family"]
    search_fields = ["key"]
    list_select_related = True


@admin.register(RateLimitEvent)
class RateLimitEventAdmin(admin.ModelAdmin):
    list_display = ["window", "at"]
    list_filter = ["window__family"]
    search_fields = ["window__key"]
    list_select_related = ["window"]
    raw_id_fields = ["window"]
    show_full_result_count = False

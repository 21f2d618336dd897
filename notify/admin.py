"""The admin shows channels by name and service only (the sealed URL is not a
field it knows: `url_enc` is not editable) and lists events and deliveries.
Channels are added in Settings or with `igdash notify add`, where the URL is
sealed; the admin cannot add one."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from notify.models import Channel, Delivery, Event


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "url_hint", "enabled", "last_ok", "last_at"]
    fields = ["name", "url_hint", "kinds", "quiet_start", "quiet_end", "enabled", "last_result"]
    readonly_fields = ["url_hint", "last_result"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "account", "text", "read"]
    list_filter = ["kind", "read"]
    search_fields = ["text", "key"]
    raw_id_fields = ["account"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "channel", "status", "attempts", "sent_at", "error"]
    list_filter = ["status"]
    raw_id_fields = ["event", "channel"]

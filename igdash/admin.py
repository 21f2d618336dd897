from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from core.models import AppSettings, VaultUnlock, WorkerHeartbeat, WorkerPing


@admin.register(AppSettings)
class AppSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "refresh_time", "backup_retention_days", "updated_at"]
    search_fields = ["proxies_hint"]
    list_select_related = True
    # The proxy list is sealed: only its masked copy is shown; the Settings page edits it.
    exclude = ["proxies_enc", "proxies_unsealed"]
    readonly_fields = ["proxies_hint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AppSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "pid", "started_at", "last_seen"]
    search_fields = ["hostname"]
    list_select_related = True


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "answered_at", "answered_by"]
    search_fields = ["answered_by"]
    list_select_related = True


@admin.register(VaultUnlock)
class VaultUnlockAdmin(admin.ModelAdmin):
    """Only when the vault was unlocked; the sealed key itself is never shown.
    Deleting the row locks workers that have not cached the key yet."""

    list_display = ["__str__", "unlocked_at"]
    search_fields = ["unlocked_at"]
    list_select_related = True
    exclude = ["sealed_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

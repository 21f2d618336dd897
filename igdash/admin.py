from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from igdash.models import AppSettings, LoginThrottle, WorkerHeartbeat, WorkerPing


@admin.register(AppSettings)
class AppSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "refresh_time", "backup_retention_days", "updated_at"]
    search_fields = ["proxies"]
    list_select_related = True

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


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["address", "failures", "window_started_at", "locked_until"]
    search_fields = ["address"]
    list_select_related = True

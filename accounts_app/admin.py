from __future__ import annotations

from django.contrib import admin

from accounts_app.models import IgUser, LoginCredential, TrackedAccount


@admin.register(IgUser)
class IgUserAdmin(admin.ModelAdmin):
    list_display = ["username", "ig_pk", "full_name", "is_verified", "is_private", "updated_at"]
    list_filter = ["is_verified", "is_private"]
    search_fields = ["username", "full_name", "=ig_pk"]
    list_select_related = True
    show_full_result_count = False  # counting millions of users per page view is slow


@admin.register(TrackedAccount)
class TrackedAccountAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "bookmarked",
        "follower_count",
        "following_count",
        "last_scraped_at",
    ]
    list_filter = ["bookmarked"]
    search_fields = ["user__username", "user__full_name", "notes"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "last_scrape"]


@admin.register(LoginCredential)
class LoginCredentialAdmin(admin.ModelAdmin):
    """Secrets are never shown: the encrypted fields are excluded, and only
    whether a secret is stored appears (and the proxy, masked)."""

    list_display = ["username", "status", "has_secret", "proxy_set", "last_checked_at"]
    list_filter = ["status", "is_active"]
    search_fields = ["username"]
    list_select_related = True
    # The proxy's address is sealed too: only its masked copy (scheme://***@host:port)
    # is shown. Change it on the Settings page or with `login_instagram --proxy`.
    exclude = [
        "password_enc",
        "session_enc",
        "sessionid_enc",
        "two_factor_identifier",
        "proxy_enc",
        "proxy_unsealed",
    ]
    readonly_fields = ["has_secret", "proxy_hint", "last_checked_at", "last_used_at", "created_at"]

    @admin.display(boolean=True, description="secret stored")
    def has_secret(self, obj: LoginCredential) -> bool:
        return obj.has_secret

    @admin.display(boolean=True, description="proxy")
    def proxy_set(self, obj: LoginCredential) -> bool:
        return obj.has_proxy

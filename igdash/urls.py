from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts_app import views as accounts_views
from content import views as content_views
from igdash import views
from igdash.login_views import ThrottledLoginView
from igdash.settings_page import views as settings_page
from igdash.settings_page.views import settings_view
from igdash.vault_lock import unlock_view

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_hx, name="search_hx"),
    path("settings/", settings_view, name="settings"),
    path("settings/logins/add/", settings_page.login_add, name="settings_login_add"),
    path(
        "settings/logins/<int:login_id>/code/", settings_page.login_code, name="settings_login_code"
    ),
    path(
        "settings/logins/<int:login_id>/check/",
        settings_page.login_check,
        name="settings_login_check",
    ),
    path(
        "settings/logins/<int:login_id>/remove/",
        settings_page.login_remove,
        name="settings_login_remove",
    ),
    path("settings/backups/", settings_page.backup_now, name="settings_backup_now"),
    path("accounts/", include("igdash.account_pages.urls")),
    path("", include("content.urls")),
    # The scrape modal with "Posts and reels": scraping's view and template with
    # content's form. Listed before scraping's URLs so it answers /scrapes/new/
    # (reverse("scraping:new") still names it); scraping cannot import content.
    path("scrapes/new/", content_views.scrape_new, name="scrape_new"),
    path("scrapes/", include("scraping.urls")),
    path("exports/", include("exports.urls")),
    path("notify/", include("notify.urls")),
    # Avatars are served by a login-required view, never as public media files.
    path("avatars/<int:user_id>/", accounts_views.avatar, name="avatar"),
    path("health", views.health_view, name="health"),
    path("system/ping/", views.ping_create, name="ping_create"),
    path("system/ping/<int:ping_id>/", views.ping_status_hx, name="ping_status_hx"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("unlock/", unlock_view, name="unlock"),
    # The admin's own login form would bypass the throttling: use ours.
    path("admin/login/", ThrottledLoginView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
]

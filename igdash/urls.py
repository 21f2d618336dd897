from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from igdash import lock, views
from igdash.login import ThrottledLoginView

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health_view, name="health"),
    path("system/ping/", views.ping_create, name="ping_create"),
    path("system/ping/<int:ping_id>/", views.ping_status_hx, name="ping_status_hx"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("unlock/", lock.unlock_view, name="unlock"),
    # The admin's own login form would bypass the throttling: use ours.
    path("admin/login/", ThrottledLoginView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
]

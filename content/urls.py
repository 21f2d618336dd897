from __future__ import annotations

from django.urls import path

from content import views
from core import converters  # noqa: F401  (registers <username:>)

app_name = "content"
urlpatterns = [
    path("accounts/<username:username>/content/", views.content_tab, name="tab"),
    path(
        "accounts/<username:username>/content/rows/",
        views.content_tab,
        {"rows": True},
        name="rows_hx",
    ),
    path(
        "accounts/<username:username>/content/analytics/",
        views.content_analytics,
        name="analytics",
    ),
    path(
        "accounts/<username:username>/content/posts/<int:post_id>/",
        views.post_detail,
        name="post",
    ),
    # Thumbnails are served by a login-required view, never as public media files.
    path("thumbnails/<int:post_id>/", views.thumbnail, name="thumbnail"),
]

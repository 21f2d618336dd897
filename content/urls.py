from __future__ import annotations

from django.urls import path, register_converter

from content import views


class HandleConverter:
    """Instagram usernames, as the account pages' own converter reads them
    (content may not import igdash)."""

    regex = r"[A-Za-z0-9._]{1,30}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return value


register_converter(HandleConverter, "ighandle")

app_name = "content"
urlpatterns = [
    path("accounts/<ighandle:username>/content/", views.content_tab, name="tab"),
    path(
        "accounts/<ighandle:username>/content/rows/",
        views.content_tab,
        {"rows": True},
        name="rows_hx",
    ),
    path(
        "accounts/<ighandle:username>/content/posts/<int:post_id>/",
        views.post_detail,
        name="post",
    ),
    # Thumbnails are served by a login-required view, never as public media files.
    path("thumbnails/<int:post_id>/", views.thumbnail, name="thumbnail"),
]

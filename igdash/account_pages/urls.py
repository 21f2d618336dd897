from __future__ import annotations

from django.urls import path

from core import converters  # noqa: F401  (registers <username:>)
from igdash.account_pages import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    # The rows-only URLs of the two lists (older pages and links ask them).
    path("-/rows/", views.account_list, {"rows": True}, name="rows_hx"),
    path("<username:username>/", views.account_detail, name="detail"),
    path(
        "<username:username>/rows/",
        views.account_detail,
        {"rows": True},
        name="relationship_rows_hx",
    ),
    path("<username:username>/bookmark/", views.bookmark, name="bookmark"),
    path("<username:username>/nightly-content/", views.nightly_content, name="nightly_content"),
    path("<username:username>/delete/", views.delete, name="delete"),
    path("<username:username>/import/", views.import_upload, name="import"),
]

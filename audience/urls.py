from __future__ import annotations

from django.urls import path

from audience import views
from core import converters  # noqa: F401  (registers <username:>)

app_name = "audience"
urlpatterns = [
    path("accounts/<username:username>/audience/", views.audience_tab, name="tab"),
    path(
        "accounts/<username:username>/audience/rows/",
        views.audience_tab,
        {"rows": True},
        name="rows_hx",
    ),
    path(
        "accounts/<username:username>/nightly-comments/",
        views.nightly_comments,
        name="nightly_comments",
    ),
    path("settings/picture-classifier/", views.classifier_settings, name="classifier_settings"),
    path(
        "settings/picture-classifier/forget/",
        views.classifier_forget,
        name="classifier_forget",
    ),
]

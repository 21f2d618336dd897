"""The project's URLs plus the exports routes, until igdash/urls.py includes them."""

from __future__ import annotations

from django.urls import include, path

from igdash.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("exports/", include("exports.urls"))]

from __future__ import annotations

from django.urls import path

from scraping import views

app_name = "scraping"
urlpatterns = [
    path("", views.scrape_list, name="list"),
    path("rows/", views.scrape_list, {"rows": True}, name="rows_hx"),
    path("new/", views.scrape_new, name="new"),
    path("<int:scrape_id>/", views.scrape_detail, name="detail"),
    path("<int:scrape_id>/progress/", views.progress_hx, name="progress_hx"),
    path("<int:scrape_id>/cancel/", views.cancel, name="cancel"),
    path("<int:scrape_id>/retry/", views.retry, name="retry"),
]

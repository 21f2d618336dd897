from __future__ import annotations

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    # /exports/<handle>/<list>.<csv|json|xlsx>?at=<scrape id>&q=<search>
    path("<str:handle>/<slug:list_name>.<slug:fmt>", views.download, name="download"),
]

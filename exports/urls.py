from __future__ import annotations

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    # /exports/<handle>/<list>.<csv|json|xlsx>?at=<scrape id>&q=<search>
    # fmt "excel" redirects to ms-excel:ofe|u|<the signed URL below>, valid 5 minutes.
    path("signed/<str:token>.xlsx", views.signed_download, name="signed"),
    path("<str:handle>/<slug:list_name>.<slug:fmt>", views.download, name="download"),
]

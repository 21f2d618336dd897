from __future__ import annotations

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    # /exports/<handle>/<list>.<csv|json|xlsx>?at=<scrape id>&q=<search>
    # fmt "excel" redirects to ms-excel:ofe|u|<the signed URL below>, valid 5 minutes.
    path("signed/<str:token>.xlsx", views.signed_download, name="signed"),
    # Background exports (big XLSX): progress page, its polled partial, the file.
    path("jobs/<int:job_id>/", views.job, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress_hx, name="job_progress_hx"),
    path("jobs/<int:job_id>/file", views.job_file, name="job_file"),
    path("<str:handle>/<slug:list_name>.<slug:fmt>", views.download, name="download"),
]

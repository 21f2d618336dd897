from __future__ import annotations

from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("channels/add/", views.channel_add, name="channel_add"),
    path("channels/<int:channel_id>/test/", views.channel_test, name="channel_test"),
    path("channels/<int:channel_id>/remove/", views.channel_remove, name="channel_remove"),
    path("rules/<int:account_id>/", views.rule_save, name="rule_save"),
    path("watch/<int:account_id>/<int:user_id>/", views.watch, name="watch"),
    path("events/", views.bell, name="bell"),
    path("events/read/", views.mark_read, name="read_all"),
    path("events/<int:event_id>/read/", views.mark_read, name="read"),
]

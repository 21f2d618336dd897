"""The request type of views that read ``request.htmx``.

``django_htmx.middleware.HtmxMiddleware`` (in settings.MIDDLEWARE) sets
``request.htmx`` on every request; Django's ``HttpRequest`` does not declare it,
so a view that reads it annotates its request with this class (the pattern
django-htmx documents). It is a type only: no view receives an instance of it.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails

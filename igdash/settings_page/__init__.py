"""The Settings page: views.py answers the requests, services.py does the work."""

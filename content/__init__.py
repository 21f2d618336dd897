"""Content analytics: the posts and reels of tracked accounts, their metrics over
time, and the figures computed from them (docs/content-analytics.md).

Layer: above scraping (it may import scraping, accounts_app and the core
modules), below exports and the igdash shell, which it never imports."""

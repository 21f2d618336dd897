"""Signals scraping sends for the apps above it (notify, content), which may
not be imported from here (docs/architecture.md, "Hooks instead of
back-imports").

`scrape_status_changed` is sent once for every status change of a scrape, at the
place that logs it (services/transitions.log_status), with the keyword arguments
scrape_id, target (the handle), old ("" for a scrape born in a status), new,
reason and trigger. It may be sent inside the transaction that changes the row:
a receiver that does more than remember the change defers its work with
transaction.on_commit, so a rolled-back change sends nothing out and nothing
slow runs inside a scrape's transaction.

`scrape_finalised`: a scrape of `target_id` finished (succeeded or partial) and
its statistics, the follower count it recorded included, are written. Sent
inside the transaction that finalises it, with keyword arguments `scrape_id`
and `target_id`; a receiver that raises rolls back the finalise, so receivers
catch their own failures (content refreshes its stored post figures here, in
the same transaction: the follower history is the denominator of every
engagement rate).
"""

from __future__ import annotations

from django.dispatch import Signal

scrape_status_changed = Signal()
scrape_finalised = Signal()

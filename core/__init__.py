"""The leaf of igdash: what every app may use and that uses no app.

Configuration readers (env), keyset paging (keyset), private file modes
(filemodes), log formats (logs), bad-input answers (errors), worker heartbeats
(heartbeat) and the project-wide records (models: the settings row, worker
heartbeats and pings, the vault's unlock row). Nothing here imports accounts_app,
scraping, exports or the igdash shell; docs/architecture.md has the layers.
"""

__version__ = "0.1.0"

"""Log formats and filters (docs/operations.md, "Logs").

The console (a terminal, journald, `docker logs`) gets one line per event; the
log file in <data>/logs keeps the tracebacks. IGDASH_LOG_FORMAT=json writes one
JSON object a line to both, for Loki and friends. Kept free of Django imports:
settings.py names these classes in LOGGING.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

LINE = "%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# Loggers of instagrapi (its default one, the one igdash hands its client, and its
# per-request ones). It logs ERROR with a traceback for answers igdash handles
# itself (a 400, a challenge, a logout) and then records as a visible state.
INSTAGRAPI_LOGGERS = (
    "instagrapi",
    "igdash.instagrapi",
    "private_request",
    "public_request",
    "graphql_request",
)


def _exception_summary(record: logging.LogRecord) -> str:
    exc_type, exc, _ = record.exc_info or (None, None, None)
    if exc_type is None:
        return ""
    return f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__


def _without_traceback(record: logging.LogRecord) -> logging.LogRecord:
    """A copy to format: the record itself goes on to the other handlers."""
    copy = logging.makeLogRecord(record.__dict__)
    copy.exc_info, copy.exc_text, copy.stack_info = None, None, None
    return copy


class PlainFormatter(logging.Formatter):
    """The default line. Without tracebacks (the console) an exception becomes a
    short [Type: message] at the end of its line."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__(LINE)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks:
            return super().format(record)
        # The console: one event, one line, whatever the message holds.
        line = super().format(_without_traceback(record)).replace("\n", "\\n")
        summary = _exception_summary(record).replace("\n", "\\n")
        return f"{line} [{summary}]" if summary else line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: timestamp (UTC, ISO 8601), level, logger, message,
    process, and every `extra=` field (scrape_id, target, old_status...)."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = _exception_summary(record)
            if self.tracebacks:
                entry["traceback"] = self.formatException(record.exc_info)
        # default=str: Django puts the request object in `extra`; its str is the
        # method and path, nothing secret.
        try:
            return json.dumps(entry, ensure_ascii=False, default=str)
        except ValueError:  # a circular structure in an extra field: still one line
            return json.dumps({k: str(v) for k, v in entry.items()}, ensure_ascii=False)


class DisallowedHostWarning(logging.Filter):
    """A request for a host name igdash does not serve (a scanner, a typo) is the
    client's mistake: one WARNING line, not Django's ERROR with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


class InstagrapiNoise(logging.Filter):
    """instagrapi's own errors: off the console (drop=True); in the file as one
    WARNING line without its traceback. igdash logs what it did about them."""

    def __init__(self, drop: bool = False) -> None:
        super().__init__()
        self.drop = drop

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(INSTAGRAPI_LOGGERS):
            return True
        if self.drop:
            return False
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True

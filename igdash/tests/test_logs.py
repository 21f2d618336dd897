"""What igdash's real logging configuration (igdash.settings, not the tests')
prints, in a process of its own (issue 15, point 12): a console line per event
with the tracebacks in the file only, JSON lines on request, one WARNING for a
bad Host header, and none of instagrapi's own tracebacks on the console."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.logs import JsonFormatter, PlainFormatter

ROOT = Path(__file__).resolve().parents[2]

BAD_HOST = """
from django.test import Client
print(Client().get("/", HTTP_HOST="evil.example").status_code)
"""

EVENTS = """
import logging
from django.test import Client
logging.getLogger("scraping.status").info(
    "scrape #7 @alice: queued -> running: run by w1",
    extra={"scrape_id": 7, "target": "alice", "old_status": "queued", "new_status": "running"},
)
try:
    raise RuntimeError("boom")
except RuntimeError:
    logging.getLogger("scraping.services.engine").exception("scrape #7 failed")
print(Client().get("/", HTTP_HOST="evil.example").status_code)
"""

INSTAGRAPI = """
import logging
try:
    raise ValueError("Status 400: challenge_required")
except ValueError as exc:
    for name in ("instagrapi", "igdash.instagrapi", "instagrapi.mixins.user"):
        logging.getLogger(name).exception(exc)
logging.getLogger("private_request").error("Status 400: JSONDecodeError in private_request")
logging.getLogger("public_request").info("GET https://www.instagram.com/ 200")
logging.getLogger("scraping.services.engine").info("igdash's own line")
"""


def _shell(tmp_path: Path, code: str, **variables: str) -> tuple[str, str]:
    """Run `code` under `manage.py shell` as the web process; (stderr, its log file)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
        "IGDASH_DATA_DIR": str(tmp_path),
        "IGDASH_ENV_FILE": os.devnull,
        "IGDASH_PROCESS_ROLE": "web",  # its console shows INFO, like the worker's
        **variables,
    }
    # As `serve` leaves it: pages (the 400 of a bad Host among them) link the
    # collected, hashed stylesheet.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    log_file = tmp_path / "logs" / "igdash-web.log"
    return result.stderr, log_file.read_text(encoding="utf-8") if log_file.exists() else ""


def test_a_bad_host_header_is_one_warning_line(tmp_path: Path) -> None:
    console, log_file = _shell(tmp_path, BAD_HOST)
    for output in (console, log_file):
        lines = output.splitlines()
        assert len(lines) == 1, output
        assert " WARNING django.security.DisallowedHost " in lines[0]
        assert "Invalid HTTP_HOST header: 'evil.example'" in lines[0]
        assert "Traceback" not in output


def test_tracebacks_go_to_the_file_and_the_console_gets_one_line(tmp_path: Path) -> None:
    console, log_file = _shell(tmp_path, EVENTS)
    failed = [line for line in console.splitlines() if "scrape #7 failed" in line]
    assert failed == [failed[0]] and failed[0].endswith("scrape #7 failed [RuntimeError: boom]")
    assert "Traceback" not in console
    assert "scrape #7 @alice: queued -> running: run by w1" in console
    assert 'Traceback (most recent call last):\n  File "<string>"' in log_file
    assert "\nRuntimeError: boom\n" in log_file


def test_json_format_is_one_object_a_line_on_console_and_file(tmp_path: Path) -> None:
    console, log_file = _shell(tmp_path, EVENTS, IGDASH_LOG_FORMAT="json")
    for output in (console, log_file):
        entries = [json.loads(line) for line in output.splitlines()]  # every line parses
        by_message = {entry["message"]: entry for entry in entries}
        change = by_message["scrape #7 @alice: queued -> running: run by w1"]
        assert change["level"] == "INFO"
        assert change["logger"] == "scraping.status"
        assert (change["scrape_id"], change["old_status"], change["new_status"]) == (
            7,
            "queued",
            "running",
        )
        assert change["timestamp"].endswith("+00:00")
        failure = by_message["scrape #7 failed"]
        assert (failure["level"], failure["exception"]) == ("ERROR", "RuntimeError: boom")
        bad_host = [e for e in entries if e["logger"] == "django.security.DisallowedHost"]
        assert [e["level"] for e in bad_host] == ["WARNING"]
        assert "traceback" not in bad_host[0]
    assert "Traceback" not in console
    assert "traceback" in json.loads(
        next(line for line in log_file.splitlines() if "scrape #7 failed" in line)
    )


def test_instagrapis_own_errors_stay_off_the_console(tmp_path: Path) -> None:
    console, log_file = _shell(tmp_path, INSTAGRAPI)
    (only_line,) = console.splitlines()  # igdash's own line, nothing of instagrapi's
    assert " INFO scraping.services.engine " in only_line
    assert only_line.endswith(": igdash's own line")
    file_lines = log_file.splitlines()
    instagrapi = [line for line in file_lines if "challenge_required" in line]
    assert len(instagrapi) == 3
    assert all(" WARNING " in line for line in instagrapi)
    assert any(" WARNING private_request " in line for line in file_lines)
    assert "Traceback" not in log_file
    assert "GET https://www.instagram.com/" not in log_file  # its INFO lines: not at all


@pytest.mark.parametrize("formatter", [PlainFormatter, JsonFormatter])
def test_a_record_keeps_its_traceback_for_the_next_handler(formatter: type) -> None:
    """The console's formatter drops the traceback from its copy, not from the
    record the file handler formats next."""
    import logging

    try:
        raise KeyError("k")
    except KeyError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "m", None, sys.exc_info())
    console = formatter(tracebacks=False).format(record)
    assert "Traceback" not in console and "KeyError" in console
    assert "Traceback" in formatter(tracebacks=True).format(record)


def test_a_json_line_survives_any_extra_field() -> None:
    import logging

    circular: dict[str, object] = {}
    circular["self"] = circular
    record = logging.makeLogRecord({"msg": "x", "circular": circular, "obj": object()})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "x" and "circular" in entry and "obj" in entry


def test_the_console_line_stays_one_line() -> None:
    import logging

    record = logging.makeLogRecord({"msg": "first\nINFO forged line", "levelname": "INFO"})
    assert "\n" not in PlainFormatter(tracebacks=False).format(record)
    assert "first\\nINFO forged line" in PlainFormatter(tracebacks=False).format(record)


CHANNEL_SEND = """
import http.server, threading
import apprise

class Service(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Service)
threading.Thread(target=server.serve_forever, daemon=True).start()
sender = apprise.Apprise()
sender.add(f"json://127.0.0.1:{server.server_address[1]}/hooks/s3cret-webhook-token")
print(sender.notify(body="b", title="t", body_format=apprise.NotifyFormat.TEXT))
"""


def test_debug_logs_hold_no_channel_secret(tmp_path: Path) -> None:
    # Apprise sends with requests: urllib3 writes every request's path at DEBUG,
    # and a webhook's path is its secret (Discord, Slack, Telegram's bot token).
    console, log_file = _shell(tmp_path, CHANNEL_SEND, IGDASH_LOG_LEVEL="DEBUG")
    assert "s3cret-webhook-token" not in console + log_file

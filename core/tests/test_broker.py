"""The embedded broker writes each message whole: a worker polling the queue
folder never finds a message file it could read half-written (kombu's own
transport opened the final name, then wrote into it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from core import broker


def connection(folder: Path) -> Connection:
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    return Connection("filesystem://", transport=broker.Transport, transport_options=options)


def test_a_message_appears_in_the_queue_only_once_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_while_writing: list[list[str]] = []
    replace = os.replace

    def watching_replace(source: Any, target: Any) -> None:
        # What a polling worker would list just before the message is in place.
        seen_while_writing.append([n for n in os.listdir(tmp_path) if n.endswith(".celery.msg")])
        replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)
    with connection(tmp_path) as conn:
        conn.default_channel._put("celery", {"body": "ping", "n": 1})
        assert seen_while_writing == [[]]
        (name,) = os.listdir(tmp_path)
        assert name.endswith(".celery.msg")
        assert json.loads((tmp_path / name).read_text()) == {"body": "ping", "n": 1}
        assert conn.default_channel._get("celery") == {"body": "ping", "n": 1}
    assert os.listdir(tmp_path) == []


def test_a_write_that_fails_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(source: Any, target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with connection(tmp_path) as conn, pytest.raises(Exception, match="Cannot add file"):
        conn.default_channel._put("celery", {"body": "ping"})
    assert os.listdir(tmp_path) == []

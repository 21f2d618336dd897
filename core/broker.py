"""The embedded broker: kombu's filesystem transport, with messages that appear
in the queue folder only whole.

kombu's own `_put` opens `<queue folder>/<time>_<uuid>.<queue>.msg` and then
writes the message into it. A worker polling the folder meanwhile moves the
still-empty file away (a move ignores the writer's lock), reads nothing and
dies on the JSON decode ("Unrecoverable error: JSONDecodeError"): the worker
restarts and the message is lost (a CI run lost a ping that way). Here the
message is written under a name the worker does not pick up (`.part` after the
queue's suffix) and renamed into place, which is atomic on POSIX and Windows
alike (os.replace)."""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps

PART = ".part"


class Channel(filesystem.Channel):
    # The two kombu base classes type _put differently; this is filesystem's.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PART
        try:
            with open(partial, "wb") as handle:
                handle.write(dumps(payload).encode())
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

"""Runs the web server, the Celery worker and beat as child processes and stops
them together.

Children get their own process group, so a Ctrl+C reaches only the supervisor,
which then stops each child once and gracefully (SIGTERM on POSIX,
CTRL_BREAK_EVENT on Windows), and kills what is still alive after a grace period.
A child that exits on its own is reported and brings everything down with a
non-zero exit: a dashboard whose worker died must not pretend to be healthy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

IS_WINDOWS = os.name == "nt"


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        kwargs: dict[str, object] = {}
        if IS_WINDOWS:
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        else:
            kwargs["start_new_session"] = True
        self.process = subprocess.Popen(list(self.argv), env={**os.environ, **self.env}, **kwargs)

    def request_stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            if IS_WINDOWS:
                self.process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
            else:
                os.killpg(self.process.pid, signal.SIGTERM)
        except (ProcessLookupError, OSError):
            pass

    def kill(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            if IS_WINDOWS:
                self.process.kill()
            else:
                os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        grace_seconds: float = 20.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.children = children
        self.grace_seconds = grace_seconds
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self._stop = threading.Event()
        self._stop_reason = ""

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._stop_reason = signal.Signals(signum).name
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        if IS_WINDOWS:
            signal.signal(signal.SIGBREAK, self._on_signal)  # type: ignore[attr-defined]

    def run(self, on_started: Callable[[], None] | None = None) -> int:
        """Start every child, wait for a signal or a child's death, stop all.

        Returns 0 after a requested stop, 1 when a child died on its own."""
        for child in self.children:
            child.start()
        if on_started:
            on_started()
        exit_code = 0
        while not self._stop.wait(0.5):
            dead = [c for c in self.children if c.process and c.process.poll() is not None]
            if dead:
                for child in dead:
                    assert child.process is not None
                    self.say(
                        f"igdash: the {child.name} process exited unexpectedly "
                        f"(code {child.process.returncode}); stopping everything."
                    )
                exit_code = 1
                break
        if exit_code == 0:
            self.say(f"igdash: {self._stop_reason or 'stop'} received, stopping...")
        self.stop_all()
        return exit_code

    def stop_all(self) -> None:
        for child in self.children:
            child.request_stop()
        deadline = time.monotonic() + self.grace_seconds
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"igdash: {child.name} did not stop in time; killing it.")
                child.kill()
                child.process.wait(timeout=10)

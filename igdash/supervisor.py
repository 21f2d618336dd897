"""Runs the web server, the Celery worker and beat as child processes, restarts
a child that dies, and stops them together.

Children get their own process group, so a Ctrl+C reaches only the supervisor,
which then stops each child once and gracefully (SIGTERM on POSIX,
CTRL_BREAK_EVENT on Windows), and kills what is still alive after a grace period.

A child that exits on its own is restarted after a growing pause (RestartPolicy:
1 s, 2 s, 4 s ... up to 30 s), each death logged on one line. Restarting here,
not in the Windows service or Docker, keeps the other children up (the web
server keeps answering while the worker comes back) and keeps the in-memory
boot secret, so an unlocked vault stays unlocked. A child that dies again and
again (5 times within 60 s) is broken, not unlucky: the supervisor then stops
everything and exits 1, so the service manager restarts the whole or an
operator looks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

IS_WINDOWS = os.name == "nt"

Clock = Callable[[], float]


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    # Called with the pid of a process that died on its own (for the worker,
    # serve removes its heartbeat row so /health says "down" at once, not after
    # the stale time).
    on_death: Callable[[int], object] | None = None

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if IS_WINDOWS:
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]  # Windows-only; mypy checks with Linux's stubs
        else:
            kwargs["start_new_session"] = True
        self.process = subprocess.Popen(list(self.argv), env={**os.environ, **self.env}, **kwargs)

    def request_stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            if IS_WINDOWS:
                self.process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]  # Windows-only; mypy checks with Linux's stubs
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


@dataclass(frozen=True)
class RestartPolicy:
    """When to restart a dead child, and when to give up."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    # This many deaths of one child within window_seconds: stop everything.
    give_up_deaths: int = 5
    window_seconds: float = 60.0
    # A child that ran this long before dying starts its backoff again at
    # first_delay: one crash a day should not wait 30 s.
    stable_seconds: float = 60.0


class RestartTracker:
    """The deaths of one child, judged by a RestartPolicy on a given clock."""

    def __init__(self, policy: RestartPolicy, clock: Clock = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self._deaths: deque[float] = deque()
        self._streak = 0
        self._started_at = clock()

    def started(self) -> None:
        self._started_at = self.clock()

    @property
    def deaths_in_window(self) -> int:
        return len(self._deaths)

    def died(self) -> float | None:
        """Record a death; the pause before the restart, or None to give up."""
        now = self.clock()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > self.policy.window_seconds:
            self._deaths.popleft()
        if len(self._deaths) >= self.policy.give_up_deaths:
            return None
        if now - self._started_at >= self.policy.stable_seconds:
            self._streak = 0
        self._streak += 1
        return min(self.policy.max_delay, self.policy.first_delay * 2 ** (self._streak - 1))


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        grace_seconds: float = 20.0,
        say: Callable[[str], None] | None = None,
        policy: RestartPolicy | None = None,
        poll_seconds: float = 0.5,
        clock: Clock = time.monotonic,
    ) -> None:
        self.children = children
        self.grace_seconds = grace_seconds
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.policy = policy or RestartPolicy()
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._stop = threading.Event()
        self._stop_reason = ""

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._stop_reason = signal.Signals(signum).name
        self._stop.set()

    def request_stop(self, reason: str = "stop") -> None:
        self._stop_reason = reason
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        if IS_WINDOWS:
            signal.signal(signal.SIGBREAK, self._on_signal)  # type: ignore[attr-defined]  # Windows-only; mypy checks with Linux's stubs

    def run(self, on_started: Callable[[], None] | None = None) -> int:
        """Start every child, restart those that die, stop all on a signal.

        Returns 0 after a requested stop, 1 when a child kept dying."""
        trackers = {c.name: RestartTracker(self.policy, self.clock) for c in self.children}
        for child in self.children:
            child.start()
        if on_started:
            on_started()
        restart_at: dict[str, float] = {}
        exit_code = 0
        while exit_code == 0 and not self._stop.wait(self.poll_seconds):
            for child in self.children:
                tracker = trackers[child.name]
                if child.name in restart_at:
                    if self.clock() >= restart_at[child.name]:
                        del restart_at[child.name]
                        child.start()
                        tracker.started()
                    continue
                assert child.process is not None
                code = child.process.poll()
                if code is None:
                    continue
                self._after_death(child)
                delay = tracker.died()
                if delay is None:
                    self.say(
                        f"igdash: the {child.name} process died {tracker.deaths_in_window} times "
                        f"within {self.policy.window_seconds:g} s (last exit code {code}); "
                        "giving up and stopping everything."
                    )
                    exit_code = 1
                    break
                self.say(
                    f"igdash: the {child.name} process exited (code {code}); "
                    f"restarting it in {delay:g} s."
                )
                restart_at[child.name] = self.clock() + delay
        if exit_code == 0:
            self.say(f"igdash: {self._stop_reason or 'stop'} received, stopping...")
        self.stop_all()
        return exit_code

    def _after_death(self, child: Child) -> None:
        if child.on_death is None or child.process is None:
            return
        try:
            child.on_death(child.process.pid)
        except Exception as exc:  # a locked database must not stop the supervision
            self.say(f"igdash: could not record the {child.name}'s death: {exc}")

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

"""The supervisor's restart policy (a fake clock) and its loop (real child
processes: a steady one and one that keeps dying)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from igdash.supervisor import Child, RestartPolicy, RestartTracker, Supervisor


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_from_one_second_up_to_the_cap() -> None:
    clock = FakeClock()
    policy = RestartPolicy(first_delay=1, max_delay=30, give_up_deaths=5, window_seconds=60)
    tracker = RestartTracker(policy, clock)
    delays = []
    for _ in range(8):
        tracker.started()
        clock.now += 20  # lives 20 s each time: at most 3 deaths in any minute
        delays.append(tracker.died())
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]


def test_gives_up_at_the_fifth_death_within_a_minute() -> None:
    clock = FakeClock()
    tracker = RestartTracker(RestartPolicy(give_up_deaths=5, window_seconds=60), clock)
    delays = []
    for _ in range(5):
        tracker.started()
        clock.now += 10
        delays.append(tracker.died())
    assert delays == [1, 2, 4, 8, None]
    assert tracker.deaths_in_window == 5


def test_deaths_older_than_the_window_do_not_count() -> None:
    clock = FakeClock()
    tracker = RestartTracker(RestartPolicy(give_up_deaths=5, window_seconds=60), clock)
    for _ in range(4):
        tracker.started()
        clock.now += 1
        assert tracker.died() is not None
    clock.now += 61  # a quiet minute, then a fifth death: only one in the window
    tracker.started()
    clock.now += 1
    assert tracker.died() is not None
    assert tracker.deaths_in_window == 1


def test_a_child_that_ran_steadily_starts_its_backoff_again_at_one_second() -> None:
    clock = FakeClock()
    tracker = RestartTracker(RestartPolicy(stable_seconds=60), clock)
    tracker.started()
    clock.now += 5
    assert tracker.died() == 1
    tracker.started()
    clock.now += 5
    assert tracker.died() == 2
    tracker.started()
    clock.now += 600  # ran ten minutes: that death is a fresh start
    assert tracker.died() == 1


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_supervisor_restarts_a_dying_child_then_gives_up_while_the_steady_one_stays(
    tmp_path: Path,
) -> None:
    starts = tmp_path / "starts"
    # Each start leaves a line, then dies with code 3 after a moment.
    flaky = Child(
        "worker",
        [
            *_python(
                "import sys, time, pathlib; p = pathlib.Path(sys.argv[1]);"
                "p.open('a').write('x\\n'); time.sleep(0.2); sys.exit(3)"
            ),
            str(starts),
        ],
    )
    steady = Child("web", _python("import time; time.sleep(120)"))
    deaths: list[int] = []
    flaky.on_death = deaths.append
    said: list[str] = []
    supervisor = Supervisor(
        [steady, flaky],
        grace_seconds=5,
        say=said.append,
        policy=RestartPolicy(
            first_delay=0.1, max_delay=0.4, give_up_deaths=4, window_seconds=60, stable_seconds=60
        ),
        poll_seconds=0.05,
    )
    web_pids: list[int] = []
    code = supervisor.run(on_started=lambda: web_pids.append(steady.process.pid))  # type: ignore[union-attr]

    assert code == 1
    assert starts.read_text().count("x") == 4  # the first start and three restarts
    assert len(deaths) == 4  # the death hook ran for every death (the heartbeat row)
    restarts = [line for line in said if "restarting it in" in line]
    assert restarts == [
        "igdash: the worker process exited (code 3); restarting it in 0.1 s.",
        "igdash: the worker process exited (code 3); restarting it in 0.2 s.",
        "igdash: the worker process exited (code 3); restarting it in 0.4 s.",
    ]
    assert any("died 4 times within 60 s" in line and "giving up" in line for line in said)
    # The steady child was never restarted, and was stopped at the end.
    assert steady.process is not None and steady.process.pid == web_pids[0]
    assert steady.process.returncode is not None


def test_supervisor_stops_cleanly_on_request_while_a_restart_is_pending(tmp_path: Path) -> None:
    dying = Child("beat", _python("import sys; sys.exit(2)"))
    said: list[str] = []
    supervisor = Supervisor(
        [dying],
        grace_seconds=5,
        say=said.append,
        policy=RestartPolicy(first_delay=30),
        poll_seconds=0.05,
    )
    stopper = threading.Timer(1.0, supervisor.request_stop)
    stopper.start()
    code = supervisor.run()
    stopper.join()
    assert code == 0
    assert said[0] == "igdash: the beat process exited (code 2); restarting it in 30 s."
    assert "stopping" in said[-1]

"""Scale-out: K Celery worker processes on PostgreSQL + Redis, K Instagram
logins (each with its own proxy), 4K simulator targets of FOLLOWERS followers
each (default 20,000), every answer delayed DELAY_MS (default 250 ms).

For each K (default 1, 2 and 4) the benchmark makes a throw-away PostgreSQL
database (CREATE DATABASE on 127.0.0.1:5432, dropped at the end; never `test`),
flushes one Redis database (db 13 by default; nothing else is touched), migrates,
stores K logins with their sessions (from the simulator) and a proxy each, starts
K workers (`celery -A igdash worker --pool=threads --concurrency=1`, one
process each, as an extra machine would run them) and one beat (the resumer of
stale scrapes runs there), then queues one followers scrape (private API, fresh)
per target and waits for all of them. Each login's proxy is a small forwarding
HTTP proxy run by the benchmark (one port per login), which counts what passes.

Figures:
- targets finished per minute (from the first scrape queued to the last
  finished); goal for K > 1: at least 0.8 x K x the K = 1 figure;
- requests per login per rate-limit window, counted by the simulator (each
  request's arrival, by the session it carries): the most in any sliding window
  never above the limit. The windows are shortened (IGDASH_RATE_*_WINDOW, 30 s)
  and sized so that a login running one scrape uses about two thirds of them:
  they are exercised on every request (every request is recorded in the shared
  window under a row lock), but are not the bottleneck unless two scrapes run
  as the same login;
- lock errors: lines of the workers' and beat's logs naming a deadlock, a lock
  timeout or a serialization failure; goal zero;
- every target's final follower list (the active relationships) against the
  simulator's truth: users lost, users too many, users twice; goal zero.

With --scale-kill, one more run at the largest K: when half the targets have
finished, a worker that is in the middle of a scrape is killed (SIGKILL). The
resumer (beat, every IGDASH_SCRAPE_RESUME_EVERY_SECONDS=5 s here instead of 60 s)
re-queues the scrape once its heartbeat is older than IGDASH_SCRAPE_STALE_SECONDS
(20 s here instead of 180 s), another worker continues it from its checkpoint,
and every target must still end exact.

Pacing (the random pauses before each request) is off (IGDASH_PACING=off): the
figures are about igdash's own throughput; a real night adds the pauses
(docs/operations.md works out what a login refreshes per night).

    python -m benchmarks --only scale [--scale-k 1 2 4] [--scale-followers 20000]
        [--scale-kill] [--delay-ms 250]
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks import common
from benchmarks.common import Figure, Workspace

FOLLOWERS = 20_000
DELAY_MS = 250
GOAL_SCALING = 0.8
TARGETS_PER_WORKER = 4
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
REDIS_URL = "redis://127.0.0.1:6379/{db}"
REDIS_DB = 13
SEED = 1
FIRST_INDEX = 7_000_000  # ordinary simulator users from here on: targets and logins
# The limiter during the benchmark: every family's window shortened to WINDOW_S s.
WINDOW_S = 30
LIMITS = {"mobile_api": 150, "web_api": 60, "graphql": 60}
FINISHED = ("succeeded", "partial", "failed", "cancelled")
STALE_S = 20
RESUME_EVERY_S = 5
LOCK_ERROR = re.compile(
    r"deadlock|lock timeout|could not obtain lock|LockNotAvailable|database is locked|"
    r"SerializationFailure|could not serialize|table is locked",
    re.IGNORECASE,
)


# --- The simulator and the proxies (children without Django) ------------------------------


def pick_users(count: int) -> list[str]:
    """Public ordinary users that keep their names (no rename): targets and logins."""
    from scraping.simulator.world import World

    world = World(SEED)
    names = []
    index = FIRST_INDEX
    while len(names) < count:
        facts = world.facts(index)
        if not facts.is_private and facts.rename_day is None:
            names.append(facts.username)
        index += 1
    return names


def child_simulator(followers: int, targets: int, logins: int, out: Path) -> None:
    from scraping.simulator.server import make_server

    names = pick_users(targets + logins)
    server = make_server(
        port=0, seed=SEED, follower_counts=dict.fromkeys(names[:targets], followers)
    )
    out.write_text(
        json.dumps({"url": server.base_url, "targets": names[:targets], "logins": names[targets:]})
    )
    server.serve_forever(poll_interval=0.1)


class _Proxy(BaseHTTPRequestHandler):
    """A forwarding HTTP proxy (absolute-form requests to http:// URLs only)."""

    protocol_version = "HTTP/1.1"
    counts: Counter[int]
    lock = threading.Lock()
    hop = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te"}

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _forward(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self.hop}
        upstream = http.client.HTTPConnection(url.hostname or "", url.port or 80, timeout=120)
        try:
            path = url.path + (f"?{url.query}" if url.query else "")
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
        finally:
            upstream.close()
        with self.lock:
            self.counts[self.server.server_address[1]] += 1
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in self.hop | {"content-length", "transfer-encoding"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # a killed worker's connection
            self.close_connection = True

    do_GET = do_POST = _forward


def child_proxies(count: int, out: Path) -> None:
    """`count` proxies on free ports; SIGUSR1 writes their request counts to out."""
    counts: Counter[int] = Counter()
    _Proxy.counts = counts
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Proxy) for _ in range(count)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = [server.server_address[1] for server in servers]
    report = out.with_suffix(".counts")

    def dump(*_: Any) -> None:
        with _Proxy.lock:
            report.write_text(json.dumps({str(p): counts[p] for p in ports}))
            counts.clear()

    signal.signal(signal.SIGUSR1, dump)
    out.write_text(json.dumps(ports))
    while True:
        time.sleep(1)


# --- Django children (one run's database) ----------------------------------------------


def child_setup(base_url: str, logins_json: str) -> dict[str, Any]:
    """K logins, each with a session from the simulator and its own proxy; the
    periodic tasks (the resumer) written for beat."""
    common.django_setup()
    import httpx

    from igdash.schedule import ensure_schedule
    from scraping.services import logins

    for username, proxy in json.loads(logins_json):
        session = httpx.post(
            f"{base_url}/__sim__/session", json={"username": username}, timeout=30
        ).json()
        logins.store_login(username, sessionid=session["sessionid"], proxy=proxy)
    ensure_schedule()
    return {"logins": len(json.loads(logins_json))}


def child_submit(targets_json: str) -> dict[str, Any]:
    common.django_setup()
    from scraping import services

    ids = [
        services.create_scrape(
            name, lists="followers", trigger="command", source="private", fresh=True
        ).pk
        for name in json.loads(targets_json)
    ]
    return {"ids": ids}


def child_verify(base_url: str, targets_json: str) -> dict[str, Any]:
    """Each target's active followers against the simulator's truth."""
    common.django_setup()
    import httpx

    from scraping.models import Direction, Relationship, Scrape

    lists: dict[str, Any] = {}
    for name in json.loads(targets_json):
        truth = httpx.get(
            f"{base_url}/__sim__/truth",
            params={"username": name, "direction": "followers"},
            timeout=120,
        ).json()
        expected = {int(user["pk"]) for user in truth["users"]}
        stored = list(
            Relationship.objects.filter(
                target__user__username=name, direction=Direction.FOLLOWER, ended_by__isnull=True
            ).values_list("user__ig_pk", flat=True)
        )
        found = set(stored)
        lists[name] = {
            "expected": len(expected),
            "stored": len(stored),
            "lost": len(expected - found),
            "extra": len(found - expected),
            "twice": len(stored) - len(found),
        }
    statuses = Counter(Scrape.objects.values_list("status", flat=True))
    return {"lists": lists, "statuses": dict(statuses)}


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "simulator":
        child_simulator(int(argv[1]), int(argv[2]), int(argv[3]), Path(argv[4]))
        return
    if role == "proxies":
        child_proxies(int(argv[1]), Path(argv[2]))
        return
    if role == "setup":
        result = child_setup(argv[1], argv[2])
    elif role == "submit":
        result = child_submit(argv[1])
    else:
        result = child_verify(argv[1], argv[2])
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def _control(base_url: str, method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    response = httpx.request(method, f"{base_url}/__sim__/{path}", timeout=120, **kwargs)
    response.raise_for_status()
    return response.json()


def _wait_for_file(path: Path, process: subprocess.Popen[bytes], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        if process.poll() is not None:
            raise SystemExit(f"scale: {process.args} exited with {process.returncode}")
        time.sleep(0.1)
    raise SystemExit(f"scale: {path.name} not written in {seconds:.0f} s")


def family_of(endpoint: str) -> str:
    """The limiter's family of a simulator endpoint (mobile requests go to the
    API host; web ones to www, GraphQL apart)."""
    if endpoint.startswith("graphql"):
        return "graphql"
    if endpoint.startswith("mobile_"):
        return "mobile_api"
    return "web_api"


def peak_per_window(log: list[list[Any]], seconds: float) -> dict[tuple[str, str], int]:
    """The most requests of each (login, family) in any `seconds`-long window."""
    times: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for at, viewer, endpoint in log:
        if endpoint != "cdn":
            times[(viewer, family_of(endpoint))].append(at)
    peaks = {}
    for key, moments in times.items():
        moments.sort()
        best, first = 0, 0
        for last, at in enumerate(moments):
            while at - moments[first] >= seconds:
                first += 1
            best = max(best, last - first + 1)
        peaks[key] = best
    return peaks


class Database:
    """A throw-away PostgreSQL database and the Redis db, for one run."""

    def __init__(self, name: str, redis_db: int) -> None:
        self.name = name
        self.url = PG_URL.format(name=name)
        self.redis_url = REDIS_URL.format(db=redis_db)
        self.redis_db = redis_db

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as db:
            db.execute(sql)

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def create(self) -> None:
        assert self.name.startswith("igdash_scale_")  # never `test` or anything else
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.flush_redis()

    def drop(self) -> None:
        assert self.name.startswith("igdash_scale_")
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.flush_redis()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(
            PG_URL.format(name=self.name).replace("postgres:", "postgresql:")
        ) as db:
            return list(db.execute(sql, params).fetchall())


class Run:
    """One measured run: K workers, K logins, 4K targets."""

    def __init__(
        self,
        ws: Workspace,
        sim: dict[str, Any],
        proxy_ports: list[int],
        k: int,
        *,
        kill: bool,
        redis_db: int,
    ) -> None:
        self.ws, self.sim, self.k, self.kill = ws, sim, k, kill
        self.name = f"scale-k{k}" + ("-kill" if kill else "")
        self.targets = sim["targets"][: TARGETS_PER_WORKER * k]
        self.logins = [(sim["logins"][i], f"http://127.0.0.1:{proxy_ports[i]}") for i in range(k)]
        self.db = Database(f"igdash_scale_{os.getpid()}_{self.name.replace('-', '_')}", redis_db)
        self.data = ws.data_dir(self.name)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.cpu_before: dict[str, float] = {}
        self.killed: dict[str, Any] = {}

    def env(self, role: str = "manage") -> dict[str, str]:
        env = self.ws.env(self.name)
        env.update(
            DATABASE_URL=self.db.url,
            CELERY_BROKER_URL=self.db.redis_url,
            IGDASH_INSTAGRAM_WEB_URL=self.sim["url"],
            IGDASH_INSTAGRAM_API_URL=self.sim["url"],
            IGDASH_PACING="off",
            IGDASH_SCRAPE_STALE_SECONDS=str(STALE_S),
            IGDASH_SCRAPE_RESUME_EVERY_SECONDS=str(RESUME_EVERY_S),
            IGDASH_WORKER_CONCURRENCY="1",
            IGDASH_PROCESS_ROLE=role,
            IGDASH_LOG_LEVEL="INFO",
        )
        for family, limit in LIMITS.items():
            env[f"IGDASH_RATE_{family.upper()}_LIMIT"] = str(limit)
            env[f"IGDASH_RATE_{family.upper()}_WINDOW"] = str(WINDOW_S)
        for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(key, None)
        return env

    def child(self, role: str, *args: object) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.scale", role, *map(str, args)],
            cwd=common.ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"scale child {role} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, name: str, args: list[str], role: str) -> None:
        log = open(self.data / f"{name}.out", "wb")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "igdash", *args],
            cwd=common.ROOT,
            env=self.env(role),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def execute(self) -> dict[str, Any]:
        self.db.create()
        try:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"],
                cwd=common.ROOT,
                env=self.env(),
                check=True,
            )
            self.child("setup", self.sim["url"], json.dumps(self.logins))
            for i in range(self.k):
                self.start(
                    f"worker{i + 1}",
                    [
                        "worker",
                        "--pool=threads",
                        "--concurrency=1",
                        "-n",
                        f"w{i + 1}@%h",
                        "--loglevel=INFO",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    "worker",
                )
            self.start("beat", ["beat", "--loglevel=INFO"], "beat")
            self._wait_for_workers()
            _control(self.sim["url"], "POST", "stats/reset")
            self.processes_counts_reset()
            self.cpu_before = _cpu_snapshot(self.cpu_pids())
            self.child("submit", json.dumps(self.targets))
            self._wait_for_scrapes()
            result = self._collect()
        finally:
            self.stop()
            self.db.drop()
            keep = os.environ.get("SCALE_KEEP_LOGS")  # a folder to copy the logs into
            if keep:
                folder = Path(keep) / self.name
                folder.mkdir(parents=True, exist_ok=True)
                for path in self.data.glob("*.out"):
                    shutil.copyfile(path, folder / path.name)
        result["lock_errors"] = self._lock_errors()
        return result

    def processes_counts_reset(self) -> None:
        proxies = self.sim["proxies_process"]
        proxies.send_signal(signal.SIGUSR1)  # the counts so far are thrown away
        time.sleep(0.3)

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                rows = self.db.query(
                    "SELECT count(*) FROM igdash_workerheartbeat "
                    "WHERE last_seen > now() - interval '15 seconds'"
                )
            except Exception as exc:
                print(f"    {self.name}: {exc}", flush=True)
                rows = [(0,)]
            if rows[0][0] >= self.k:
                return
            for name, process in self.processes.items():
                if process.poll() is not None:
                    out = (self.data / f"{name}.out").read_text(errors="replace")[-3000:]
                    raise SystemExit(f"scale: {name} exited:\n{out}")
            time.sleep(0.5)
        out = (self.data / "worker1.out").read_text(errors="replace")[-3000:]
        raise SystemExit(f"scale: {self.k} workers did not start within 120 s:\n{out}")

    def _wait_for_scrapes(self) -> None:
        total = len(self.targets)
        followers = self.sim["followers"]
        deadline = time.monotonic() + 60 + total * max(followers, 1000) / 200 * 2.0
        last_line = ""
        while time.monotonic() < deadline:
            counts = dict(self.db.query("SELECT status, count(*) FROM scraping_scrape GROUP BY 1"))
            finished = sum(
                counts.get(s, 0) for s in ("succeeded", "partial", "failed", "cancelled")
            )
            line = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            if line != last_line:
                print(f"    {self.name}: {line}", flush=True)
                last_line = line
            if counts.get("needs_attention"):
                raise SystemExit(f"scale: a scrape needs attention ({line})")
            if finished >= total:
                return
            if self.kill and not self.killed and finished >= total // 2:
                self._kill_one()
            time.sleep(0.5)
        out = (self.data / "worker1.out").read_text(errors="replace")[-6000:]
        raise SystemExit(f"scale: {self.name} did not finish in time ({last_line}):\n{out}")

    def _kill_one(self) -> None:
        """SIGKILL a worker in the middle of a scrape (a fifth of its list or more)."""
        rows = self.db.query(
            "SELECT s.id, s.claimed_by, l.fetched, s.profile_follower_count "
            "FROM scraping_scrape s JOIN scraping_scrapelist l ON l.scrape_id = s.id "
            "WHERE s.status = 'running' AND s.claimed_by <> '' ORDER BY l.fetched DESC"
        )
        for scrape_id, claimed_by, fetched, count in rows:
            if not count or fetched < count / 5 or fetched > count * 0.8:
                continue
            name = "worker" + claimed_by.split("@", 1)[0].removeprefix("w")
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.killed = {
                "worker": name,
                "scrape": scrape_id,
                "fetched_at_kill": fetched,
                "at": time.monotonic(),
            }
            print(
                f"    {self.name}: killed {name} (kill -9) in scrape #{scrape_id} "
                f"after {fetched:,} of {count:,} users",
                flush=True,
            )
            return

    def _collect(self) -> dict[str, Any]:
        (first, last), *_ = self.db.query(
            "SELECT extract(epoch FROM min(created_at)), extract(epoch FROM max(finished_at)) "
            "FROM scraping_scrape"
        )
        seconds = float(last) - float(first)
        log = _control(self.sim["url"], "GET", "stats/log")["requests"]
        stats = _control(self.sim["url"], "GET", "stats")
        proxies = self.sim["proxies_process"]
        counts_file = self.sim["proxies_file"].with_suffix(".counts")
        counts_file.unlink(missing_ok=True)
        proxies.send_signal(signal.SIGUSR1)
        for _ in range(50):
            if counts_file.exists():
                break
            time.sleep(0.1)
        proxy_counts = json.loads(counts_file.read_text())
        verify = self.child("verify", self.sim["url"], json.dumps(self.targets))
        result: dict[str, Any] = {
            "k": self.k,
            "targets": len(self.targets),
            "followers": self.sim["followers"],
            "seconds": seconds,
            "per_minute": len(self.targets) / seconds * 60,
            "peaks": {f"{v}/{f}": n for (v, f), n in peak_per_window(log, WINDOW_S).items()},
            "viewer_requests": {
                name: sum(counts.values()) for name, counts in stats["viewers"].items()
            },
            "proxy_requests": proxy_counts,
            "requests": stats["total"],
            "logins": [name for name, _ in self.logins],
            "verify": verify,
            "cpu": self._cpu(),
        }
        if self.killed:
            scrape_id = self.killed["scrape"]
            ((status, attempts, target),) = self.db.query(
                "SELECT status, attempts, target_username FROM scraping_scrape WHERE id = %s",
                (scrape_id,),
            )
            list_requests = stats["targets"].get(target, {})
            self.killed.update(
                status=status,
                attempts=attempts,
                target=target,
                list_requests=sum(n for e, n in list_requests.items() if e.endswith("followers")),
                log=self._resumed_in_logs(scrape_id),
            )
            result["killed"] = {k: v for k, v in self.killed.items() if k != "at"}
        return result

    def _cpu(self) -> dict[str, float]:
        """Where the CPU went during the run: seconds of user + system time of the
        workers (with beat), the simulator, the proxies and PostgreSQL, and the
        machine's busy share of all its cores (from /proc; empty elsewhere)."""
        now = _cpu_snapshot(self.cpu_pids())
        before = self.cpu_before
        spent = {name: now[name] - before.get(name, 0.0) for name in now}
        cores = os.cpu_count() or 1
        wall = spent.pop("wall", 0.0)
        if wall:
            spent["machine_busy_share"] = spent.pop("busy", 0.0) / (wall * cores)
        return {name: round(value, 3) for name, value in spent.items()}

    def cpu_pids(self) -> dict[str, list[int]]:
        return {
            "workers": [p.pid for p in self.processes.values() if p.poll() is None],
            "simulator": [self.sim["simulator_pid"]],
            "proxies": [self.sim["proxies_process"].pid],
        }

    def _resumed_in_logs(self, scrape_id: int) -> list[str]:
        """The log lines about the killed scrape: who ran it, the resumer's re-queue."""
        found = []
        for path in sorted(self.data.glob("*.out")):
            for line in path.read_text(errors="replace").splitlines():
                if f"#{scrape_id}" in line or ("re-enqueued" in line and str(scrape_id) in line):
                    found.append(f"{path.stem}: {line.strip()[:160]}")
        return found[-12:]

    def _lock_errors(self) -> list[str]:
        found = []
        paths = [*self.data.glob("*.out"), *(self.data / "logs").glob("*.log*")]
        for path in paths:
            for line in path.read_text(errors="replace").splitlines():
                if LOCK_ERROR.search(line):
                    found.append(f"{path.name}: {line.strip()[:300]}")
        return found


def _cpu_snapshot(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system) per group of pids, PostgreSQL's processes
    ("postgres"), the machine's busy time and a wall clock; {} without /proc."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def ticks(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    if not Path("/proc/stat").exists():
        return {}
    found = {name: sum(ticks(pid) for pid in pids) for name, pids in groups.items()}
    postgres = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    postgres += ticks(int(entry.name))
            except OSError:
                continue
    found["postgres"] = postgres
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    found["busy"] = (sum(cpu) - cpu[3] - cpu[4]) / tick  # all but idle and iowait
    found["wall"] = time.monotonic()
    return found


def _check_services(redis_db: int) -> None:
    import psycopg
    import redis

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5) as db:
            db.execute("SELECT 1")
        redis.Redis.from_url(REDIS_URL.format(db=redis_db), socket_timeout=5).ping()
    except Exception as exc:
        raise SystemExit(
            f"scale: needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379: {exc}"
        ) from None
    if redis_db == 10:
        raise SystemExit("scale: Redis db 10 is the test suite's; choose another")


def run(
    ws: Workspace,
    ks: list[int] | None = None,
    followers: int = FOLLOWERS,
    delay_ms: int = DELAY_MS,
    *,
    kill: bool = False,
    redis_db: int = REDIS_DB,
) -> list[Figure]:
    ks = sorted(set(ks or [1, 2, 4]))
    _check_services(redis_db)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(f"scale: stopped by signal {signum}")

    # SIGTERM (timeout, kill) must still stop the workers and drop the database.
    signal.signal(signal.SIGTERM, stop)
    most = max(ks)
    sim_file, proxy_file = ws.root / "scale-simulator.json", ws.root / "scale-proxies.json"
    simulator = subprocess.Popen(
        [
            sys.executable, "-m", "benchmarks.scale", "simulator",
            str(followers), str(TARGETS_PER_WORKER * most), str(most), str(sim_file),
        ],
        cwd=common.ROOT,
        env=ws.env("scale-simulator"),
    )  # fmt: skip
    proxies = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.scale", "proxies", str(most), str(proxy_file)],
        cwd=common.ROOT,
        env=ws.env("scale-proxies"),
    )
    figures: list[Figure] = []
    results: list[dict[str, Any]] = []
    try:
        sim = json.loads(_wait_for_file(sim_file, simulator))
        ports = json.loads(_wait_for_file(proxy_file, proxies))
        sim.update(
            followers=followers,
            proxies_process=proxies,
            proxies_file=proxy_file,
            simulator_pid=simulator.pid,
        )
        print(
            f"Scale: K = {', '.join(map(str, ks))} workers on PostgreSQL + Redis db {redis_db}, "
            f"{TARGETS_PER_WORKER} targets of {followers:,} followers per worker, "
            f"{delay_ms} ms per answer, simulator at {sim['url']} ...",
            flush=True,
        )
        # Warm the simulator's lists (built on first use), then the delay for real.
        for name in sim["targets"]:
            _control(sim["url"], "GET", "truth", params={"username": name, "limit": 1})
        _control(sim["url"], "POST", "delay", json={"ms": delay_ms})
        plan = [(k, False) for k in ks] + ([(most, True)] if kill and most > 1 else [])
        for k, with_kill in plan:
            run_ = Run(ws, sim, ports, k, kill=with_kill, redis_db=redis_db)
            started = time.monotonic()
            result = run_.execute()
            result["wall_s"] = time.monotonic() - started
            results.append(result)
            figures.extend(_figures(result, results[0] if results[0]["k"] == 1 else None))
            for figure in figures[-3:]:
                common.print_figure(figure)
    finally:
        for process in (simulator, proxies):
            process.terminate()
            process.wait(timeout=30)
    return figures


def _figures(result: dict[str, Any], base: dict[str, Any] | None) -> list[Figure]:
    k = result["k"]
    kill = "killed" in result
    label = f"K={k}" + (" kill -9" if kill else "")
    lists = result["verify"]["lists"]
    bad = {
        what: sum(entry[what] for entry in lists.values()) for what in ("lost", "extra", "twice")
    }
    statuses = result["verify"]["statuses"]
    succeeded = statuses.get("succeeded", 0)
    peaks = result["peaks"]
    over = {key: n for key, n in peaks.items() if n > LIMITS.get(key.rsplit("/", 1)[1], 0)}
    busiest = max(peaks.items(), key=lambda item: item[1] / LIMITS[item[0].rsplit("/", 1)[1]])
    per_minute = result["per_minute"]
    if base is None or k == 1:
        goal, passed, baseline = "targets/min (the K=1 baseline)", None, None
    else:
        baseline = base["per_minute"] * GOAL_SCALING * k
        goal, passed = f">= {GOAL_SCALING} x {k} x K=1 targets/min", per_minute >= baseline
    throughput = Figure(
        "scale",
        f"{label}: targets/min",
        per_minute,
        baseline,
        "/min",
        goal,
        passed if not kill else None,
        note=(
            f"{result['targets']} targets of {result['followers']:,} in {result['seconds']:.1f} s, "
            f"{result['requests']} requests; per login {result['viewer_requests']}, "
            f"through its proxy {result['proxy_requests']}; CPU s {result['cpu']}"
        ),
        extra=result,
    )
    limiter = Figure(
        "scale",
        f"{label}: peak req/login/window",
        float(busiest[1]),
        float(LIMITS[busiest[0].rsplit("/", 1)[1]]),
        "req",
        f"<= limit in every {WINDOW_S} s window",
        not over,
        note=f"busiest {busiest[0]}; over the limit: {over or 'none'}; peaks {peaks}",
    )
    exact_ok = not any(bad.values()) and succeeded == result["targets"]
    exact = Figure(
        "scale",
        f"{label}: lists exact, lock errors",
        float(sum(bad.values()) + len(result["lock_errors"])),
        None,
        "err",
        "0 lost/extra/twice, 0 lock errors" + (", killed scrape resumed" if kill else ""),
        exact_ok
        and not result["lock_errors"]
        and (not kill or result["killed"].get("status") == "succeeded"),
        note=(
            f"{succeeded}/{result['targets']} succeeded ({statuses}); lost {bad['lost']}, "
            f"extra {bad['extra']}, twice {bad['twice']}; lock errors "
            f"{len(result['lock_errors'])} {result['lock_errors'][:3]}"
            + (f"; killed {result['killed']}" if kill else "")
        ),
    )
    return [throughput, limiter, exact]


if __name__ == "__main__":
    child_main(sys.argv[1:])

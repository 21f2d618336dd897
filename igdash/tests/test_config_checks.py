"""Every IGDASH_* variable is read and checked once, at start-up, in settings.py
(issue 15, point 11): a typo stops any command with one line naming it, never a
scrape halfway through a list."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from igdash.testing.processes import data_env

ROOT = Path(__file__).resolve().parents[2]
# Where reading the environment belongs: settings and its helpers, and the code
# of the tests themselves (they build environments for the processes they start).
ALLOWED = {Path("igdash/settings.py"), Path("igdash/settings_test.py"), Path("core/env.py")}
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_float", "env_list", "env_networks"}
ENV_HELPERS |= {"env_path", "env_choice", "env_base64"}


def _project_sources() -> list[Path]:
    skip = {".venv", "node_modules", ".git", "tests", "testing", "benchmarks"}
    return [
        path
        for path in ROOT.rglob("*.py")
        if not skip.intersection(path.relative_to(ROOT).parts)
        and path.relative_to(ROOT) not in ALLOWED
    ]


def _names_igdash_variable(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.startswith("IGDASH_")
    if isinstance(node, ast.JoinedStr) and node.values:
        return _names_igdash_variable(node.values[0])
    return False


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Each place that reads the environment: os.environ.get / os.getenv /
    os.environ[...] of an IGDASH_ name, or any call of core.env's readers.
    Writing os.environ["IGDASH_..."] (serve handing values to its children) is
    not a read."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ENV_HELPERS:
                found.append((node.lineno, f"{name}(...)"))
            elif (
                node.args
                and _names_igdash_variable(node.args[0])
                and (name == "getenv" or (name in {"get", "pop"} and _is_environ(func.value)))  # type: ignore[union-attr]
            ):
                found.append((node.lineno, ast.unparse(node)))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _is_environ(node.value)
            and _names_igdash_variable(node.slice)
        ):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_igdash_variable_is_read_outside_settings() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _project_sources()
        for line, what in _reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_source_check_sees_the_reads_it_forbids() -> None:
    """The scan itself, on the kinds of reads the engine made before."""
    code = (
        "import os\n"
        "from core.env import env_int\n"
        'a = env_int("IGDASH_SCRAPE_MAX_RETRIES", 5)\n'
        'b = os.environ.get("IGDASH_KEY_STORE", "auto")\n'
        'c = os.environ["IGDASH_BOOT_SECRET"]\n'
        'd = os.getenv(f"IGDASH_RATE_{1}_LIMIT")\n'
        'os.environ["IGDASH_PROCESS_ROLE"] = "web"\n'
    )
    assert [line for line, _ in _reads(ast.parse(code))] == [3, 4, 5, 6]


BAD_VALUES = [
    ("IGDASH_SCRAPE_MAX_RETRIES", "five", "must be a whole number, not 'five'"),
    ("IGDASH_SCRAPE_MAX_RETRIES", "-1", "must be between 0 and 100, not -1"),
    ("IGDASH_SCRAPE_STALE_SECONDS", "soon", "must be a number, not 'soon'"),
    ("IGDASH_SCRAPE_STALE_SECONDS", "nan", "must be a finite number, not 'nan'"),
    ("IGDASH_SCRAPE_RESUME_EVERY_SECONDS", "0", "must be at least 1, not 0"),
    ("IGDASH_INSTAGRAM_TIMEOUT", "0", "must be between 1.0 and 600.0, not 0.0"),
    ("IGDASH_RATE_WEB_API_LIMIT", "-5", "must be at least 0, not -5"),
    ("IGDASH_RATE_GRAPHQL_WINDOW", "ten", "must be a number, not 'ten'"),
    ("IGDASH_RATE_MOBILE_API_WINDOW", "0", "must be at least 1.0, not 0.0"),
    ("IGDASH_JITTER_MEAN", "fast", "must be a number, not 'fast'"),
    ("IGDASH_JITTER_MAX", "1000", "must be between 0.0 and 300.0, not 1000.0"),
    ("IGDASH_BACKOFF_BASE", "-1", "must be at least 0.0, not -1.0"),
    ("IGDASH_BACKOFF_MAX", "1h", "must be a number, not '1h'"),
    ("IGDASH_PACING", "sometimes", "must be true or false, not 'sometimes'"),
    ("IGDASH_RATE_INLINE_WAIT", "-1", "must be at least 0.0, not -1.0"),
    ("IGDASH_KEY_STORE", "vault", "must be one of auto, keyring, file, not 'vault'"),
    ("IGDASH_BOOT_SECRET", "c2hvcnQ=", "must be 32 bytes written in base64 (the value is not)"),
    ("IGDASH_LOG_FORMAT", "xml", "must be one of plain, json, not 'xml'"),
    ("IGDASH_LOG_LEVEL", "loud", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("IGDASH_TIME_ZONE", "Mars/Olympus", "is not a time zone name like Europe/Berlin"),
    ("IGDASH_PORT", "99999", "must be between 1 and 65535, not 99999"),
    ("IGDASH_WORKER_CONCURRENCY", "0", "must be at least 1, not 0"),
    ("IGDASH_WORKER_HEARTBEAT_SECONDS", "-3", "must be at least 0.5, not -3.0"),
    ("IGDASH_WORKER_STALE_SECONDS", "0", "must be at least 1.0, not 0.0"),
    ("IGDASH_INSTAGRAM_WEB_URL", "not-a-url", "must be a URL like https://host[:port]"),
    ("IGDASH_INSTAGRAM_API_URL", "ftp://i.example", "must be a URL like https://host[:port]"),
    ("IGDASH_INSTAGRAM_API_URL", "http://127.0.0.1:x", "has a bad port"),
    ("IGDASH_INSTAGRAM_CACHE_HOURS", "-1", "must be between 0 and 720, not -1"),
    ("IGDASH_CACHE_URL", "memcached://cache:11211", "must be a redis:// URL, not a memcached://"),
]


def _run(command: list[str], tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=data_env(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_each_bad_value_stops_a_command_with_one_line_naming_it(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    result = _run([sys.executable, "manage.py", "check"], tmp_path, **{name: value})
    assert result.returncode == 2
    assert result.stderr.startswith(f"manage.py: configuration error: {name} {message}")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_serve_does_not_start_with_a_bad_value(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "manage.py", "serve"], tmp_path, IGDASH_SCRAPE_MAX_RETRIES="five"
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "manage.py: configuration error: IGDASH_SCRAPE_MAX_RETRIES must be a whole number, "
        "not 'five'\n"
    )
    assert not (tmp_path / "igdash.sqlite3").exists()  # it stopped before doing anything


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_a_bad_value_stops_the_worker_and_beat_with_one_line(tmp_path: Path, program: str) -> None:
    """What Docker runs (`celery -A igdash worker|beat`) says it as plainly."""
    command = [sys.executable, "-m", "celery", "-A", "igdash", program]
    result = _run(command, tmp_path, IGDASH_SCRAPE_MAX_RETRIES="five")
    assert result.returncode == 2
    assert result.stderr == (
        "celery: configuration error: IGDASH_SCRAPE_MAX_RETRIES must be a whole number, "
        "not 'five'\n"
    )


def test_every_variable_settings_reads_is_listed_in_env_example() -> None:
    tree = ast.parse((ROOT / "igdash/settings.py").read_text(encoding="utf-8"))
    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ENV_HELPERS:
            first = node.args[0]
            assert isinstance(first, ast.Constant), ast.unparse(node)  # names are spelled out
            read.add(first.value)
    listed = {
        line.lstrip("# ").split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line
    }
    internal = {"IGDASH_PROCESS_ROLE"}  # set by `igdash serve` for its children
    assert read - internal - listed == set()


@pytest.mark.parametrize(
    ("variables", "backend"),
    [
        ({}, "filecache.FileCache"),
        ({"IGDASH_CACHE_URL": "redis://127.0.0.1:6379/1"}, "redis.RedisCache"),
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "redis.RedisCache"),
    ],
)
def test_instagram_answers_are_cached_in_redis_when_igdash_has_one(
    tmp_path: Path, variables: dict[str, str], backend: str
) -> None:
    show = (
        "from django.conf import settings; c = settings.CACHES['instagram']; "
        "print('CACHE', c['BACKEND'], c['LOCATION'], c['TIMEOUT'])"
    )
    result = _run([sys.executable, "manage.py", "shell", "-c", show], tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("CACHE "))
    shown, location, timeout = line.split()[1:]
    assert shown.endswith(backend)
    assert timeout == str(24 * 3600)
    if backend.startswith("filecache"):
        assert Path(location).parent == tmp_path  # in the data folder
    else:
        assert location.startswith("redis://127.0.0.1:6379/")


def test_a_refused_cache_url_is_named_by_its_scheme_only(tmp_path: Path) -> None:
    # The URL may carry a password: the error goes to the terminal and to the
    # service manager's log, so it says the scheme and never the rest.
    url = "memcached://igdash:s3cret-pass@cache:11211"
    result = _run([sys.executable, "manage.py", "check"], tmp_path, IGDASH_CACHE_URL=url)
    assert result.returncode == 2
    assert "s3cret-pass" not in result.stderr and "memcached://" in result.stderr

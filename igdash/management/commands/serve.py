"""`igdash serve`: migrate, make sure the schedule and the owner exist, then run
Waitress, a Celery worker and Celery beat until Ctrl+C or SIGTERM."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from argparse import ArgumentParser
from base64 import b64encode
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.heartbeat import forget_worker
from igdash.schedule import ensure_schedule
from igdash.supervisor import Child, Supervisor


def ensure_owner(stdout: Any) -> None:
    """Create the owner account on first run; never touch an existing one."""
    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        return
    username = settings.OWNER_USERNAME
    password = settings.OWNER_INITIAL_PASSWORD
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(username=username, email="", password=password)
    stdout.write(f"Created the owner account '{username}'.")
    if generated:
        # Printed once: only its hash is stored.
        stdout.write(
            f"  Its generated password is: {password}\n"
            "  Write it down now; change it later with `igdash changepassword "
            f"{username}`."
        )


def _port_free(host: str, port: int) -> bool:
    """Whether Waitress will be able to listen on host:port.

    On POSIX the check sets SO_REUSEADDR like Waitress does: connections of a
    previous run that linger in TIME_WAIT or FIN_WAIT (a browser held a
    keep-alive connection) must not refuse a restart for a minute, while a live
    listener still does. On Windows SO_REUSEADDR would let the check bind even
    over a running igdash (Waitress sets it there too, which allows such a
    takeover), so the check binds with default options and stays strict."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run igdash: web server (Waitress), background worker and scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=settings.SERVE_HOST)
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT)
        parser.add_argument(
            "--no-worker", action="store_true", help="Run the web server only (workers elsewhere)."
        )

    def handle(self, *args: Any, host: str, port: int, no_worker: bool, **options: Any) -> None:
        if not _port_free(host, port):
            raise CommandError(f"{host}:{port} is already in use; choose another with --port.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        ensure_schedule()
        ensure_owner(self.stdout)

        # Shared in memory with the children only: a vault unlocked in the web
        # process opens for the worker too, and for nobody after a restart.
        if settings.BOOT_SECRET is None:  # unset, or empty in a copied .env
            os.environ["IGDASH_BOOT_SECRET"] = b64encode(secrets.token_bytes(32)).decode()
        python = sys.executable
        children = [
            Child(
                "web",
                [
                    python, "-m", "waitress",
                    f"--listen={host}:{port}" if ":" not in host else f"--listen=[{host}]:{port}",
                    f"--threads={settings.SERVE_THREADS}",
                    # Waitress 3 drops X-Forwarded-* from every peer by default,
                    # which left IGDASH_TRUSTED_PROXIES without effect: igdash
                    # decides itself whom to believe (igdash/network.py).
                    "--no-clear-untrusted-proxy-headers",
                    "igdash.wsgi:application",
                ],
                {"IGDASH_PROCESS_ROLE": "web"},
            )
        ]  # fmt: skip
        if not no_worker:
            worker_name = f"igdash-worker@{socket.gethostname()}"
            children += [
                Child(
                    "worker",
                    [
                        python, "-m", "celery", "-A", "igdash", "worker",
                        "--pool=threads", f"--concurrency={settings.WORKER_CONCURRENCY}",
                        "--loglevel=INFO", "--without-mingle", "--without-gossip",
                        "-n", worker_name,
                    ],
                    {"IGDASH_PROCESS_ROLE": "worker"},
                    on_death=lambda pid: forget_worker(worker_name, pid),
                ),
                Child(
                    "beat",
                    [python, "-m", "celery", "-A", "igdash", "beat", "--loglevel=INFO"],
                    {"IGDASH_PROCESS_ROLE": "beat"},
                ),
            ]  # fmt: skip
        supervisor = Supervisor(children)
        supervisor.install_signal_handlers()
        shown = f"[{host}]" if ":" in host else host

        def started() -> None:
            self.stdout.write(
                f"igdash is running at http://{shown}:{port}/ (data in {settings.DATA_DIR}). "
                "Press Ctrl+C to stop."
            )
            self.stdout.flush()

        code = supervisor.run(on_started=started)
        if code:
            raise SystemExit(code)
        self.stdout.write("igdash stopped.")

"""Attack the owner login of a served igdash and print what held.

    .venv/bin/python -m benchmarks.login_probe [--attempts 40] [--timing 200]

Starts `igdash serve` in a throw-away data folder (real Waitress, PBKDF2, SQLite
in WAL mode) with the counting password backend (igdash/testing/password_checks.py),
then:

1. fires --attempts wrong passwords at once from one address and counts how many
   passwords the server really checked (the limit is IGDASH_LOGIN_MAX_FAILURES, 5);
2. while that address is locked out, sends right and wrong passwords in turn
   from one client and compares the answers (status, headers, body) and their
   times; a wrong password to an unlocked account is timed alongside for scale.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from igdash.testing.processes import OWNER_PASSWORD, run_serve

# Headers that carry the current time, whatever the password.
CLOCK = {"date", "expires"}


def _client(base_url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base_url, timeout=120)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text
    return client, token.group(1)


def _post(client: httpx.Client, token: str, base_url: str, password: str) -> httpx.Response:
    return client.post(
        "/login/",
        data={"csrfmiddlewaretoken": token, "username": "owner", "password": password},
        headers={"Referer": f"{base_url}/login/"},
    )


def _checks(data: Path) -> int:
    path = data / "password-checks.log"
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(len(values) * 0.95) - 1]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--timing", type=int, default=200, help="locked-out requests to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="igdash-login-probe-") as tmp:
        data = Path(tmp) / "data"
        env = {
            "DJANGO_SETTINGS_MODULE": "igdash.testing.settings_password_checks",
            "IGDASH_WEB_THREADS": "16",
        }
        with run_serve(data, env) as served:
            served.wait_healthy()
            base = served.base_url

            # Scale: one wrong password to an account that is not locked out.
            client, token = _client(base)
            started = time.perf_counter()
            _post(client, token, base, "wrong")
            unlocked_wrong = time.perf_counter() - started
            # The right password forgets that failure: the burst starts from zero.
            _post(client, token, base, OWNER_PASSWORD)
            before = _checks(data)

            pairs = [_client(base) for _ in range(args.attempts)]
            gate = threading.Barrier(len(pairs))
            statuses: list[int] = []

            def fire(pair: tuple[httpx.Client, str]) -> None:
                gate.wait()
                statuses.append(_post(pair[0], pair[1], base, "wrong").status_code)

            threads = [threading.Thread(target=fire, args=(p,)) for p in pairs]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            burst = time.perf_counter() - started
            checked = _checks(data) - before
            histogram = {code: statuses.count(code) for code in sorted(set(statuses))}
            print(
                f"1. {args.attempts} parallel wrong passwords from one address: "
                f"{checked} password checks (limit 5); answers {histogram}; {burst:.1f} s"
            )

            locked, token = _client(base)
            times: dict[str, list[float]] = {"right": [], "wrong": []}
            previous: tuple[object, ...] | None = None
            pairs_same = pairs = 0
            minutes: set[str] = set()
            before = _checks(data)
            for i in range(args.timing):
                # Alternate which goes first, so a warm cache favours neither.
                kind = "right" if (i % 2 == 0) == (i % 4 < 2) else "wrong"
                password = OWNER_PASSWORD if kind == "right" else "wrong-password"
                started = time.perf_counter()
                response = _post(locked, token, base, password)
                times[kind].append(time.perf_counter() - started)
                items = response.headers.items()
                headers = tuple(sorted(item for item in items if item[0] not in CLOCK))
                answer = (response.status_code, response.content, headers)
                minutes.update(re.findall(r"Try again in (\d+) minute", response.text))
                if i % 2 == 1:  # a right and a wrong password, one after the other
                    pairs += 1
                    pairs_same += answer == previous
                previous = answer
            print(
                f"2. locked out, {args.timing} requests: {_checks(data) - before} password checks; "
                f"{pairs_same} of {pairs} right/wrong pairs answered identically (status, body, "
                "headers but the clock's Date and Expires); minutes shown: "
                f"{', '.join(sorted(minutes))}"
            )
            print(f"   right password while locked: {_ms(times['right'])}")
            print(f"   wrong password while locked: {_ms(times['wrong'])}")
            print(f"   (one wrong password, not locked: {unlocked_wrong * 1000:.0f} ms)")
            served.stop()


if __name__ == "__main__":
    main()

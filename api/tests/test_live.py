"""The API served by the real `igdash serve` (Waitress, worker) against the
simulator over real HTTP: the events stream of a real scrape."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from igdash.testing.processes import Served, data_env, run_manage, run_serve
from scraping.tests.sim_control import Sim

pytestmark = pytest.mark.slow


def sim_env(sim: Sim) -> dict[str, str]:
    return {
        "IGDASH_INSTAGRAM_WEB_URL": sim.base,
        "IGDASH_INSTAGRAM_API_URL": sim.base,
        "IGDASH_KEY_STORE": "file",
        "IGDASH_PACING": "off",
        "IGDASH_RATE_INLINE_WAIT": "0",
        "IGDASH_RATE_WEB_API_LIMIT": "0",
        "IGDASH_RATE_MOBILE_API_LIMIT": "0",
    }


def token(served: Served, env: dict[str, str], scope: str, name: str | None = None) -> str:
    made = run_manage(
        served.data_dir,
        "api_token", "create", name or scope, "--scope", scope,
        env=data_env(served.data_dir, **env),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def read_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """(event, data) pairs, and ("heartbeat", None) for heartbeat comments."""
    found: list[tuple[str, Any]] = []
    name = ""
    for line in response.iter_lines():
        if line.startswith(": heartbeat"):
            found.append(("heartbeat", None))
        elif line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            found.append((name, json.loads(line.removeprefix("data: "))))
    return found


def docs_page_works_offline(base: str) -> None:
    """The docs page and its assets, as `serve` has them (collected, hashed names)."""
    page = httpx.get(f"{base}/api/v1/docs", timeout=30)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert any("swagger-ui-bundle" in a for a in assets), page.text
    for asset in assets:
        assert httpx.get(f"{base}{asset}", timeout=30).status_code == 200, asset
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page.text))


def test_the_events_stream_follows_a_real_scrape_to_its_final_counts(
    tmp_path: Path, sim: Sim
) -> None:
    env = sim_env(sim)
    # 13 web pages of 25 followers, ~5 s: the engine stores pages at least once a
    # second (engine.GROUP_SECONDS), so the stream sees the count grow.
    sim.delay(400)
    data = tmp_path / "data"
    with run_serve(data, env) as served:
        served.wait_healthy()
        login = run_manage(
            data, "login_instagram", "demo_owner", "--sessionid-stdin",
            stdin=sim.session("demo_owner") + "\n", env=data_env(data, **env),
        )  # fmt: skip
        assert login.returncode == 0, login.stderr
        docs_page_works_offline(served.base_url)
        writer = {"Authorization": f"Bearer {token(served, env, 'write')}"}
        with httpx.Client(base_url=served.base_url, headers=writer, timeout=30) as client:
            started = client.post(
                "/api/v1/scrapes",
                json={"handle": "demo_small", "lists": ["followers"], "content": False},
            )
            assert started.status_code == 201, started.text
            scrape_id = started.json()["id"]
            began = time.monotonic()
            with client.stream("GET", f"/api/v1/scrapes/{scrape_id}/events") as response:
                assert response.status_code == 200
                assert response.headers["content-type"] == "text/event-stream"
                got = read_events(response)
            took = time.monotonic() - began
    names = [name for name, _ in got]
    assert names[-1] == "final" and names.count("final") == 1, names
    fetched = [data["progress"][0]["fetched"] for name, data in got if name == "progress"]
    # Progress arrived while the scrape ran (Waitress did not hold the bytes back).
    followers = len(sim.truth("demo_small"))
    assert len(fetched) >= 3 and fetched == sorted(fetched), fetched
    assert any(0 < count < followers for count in fetched), fetched
    final = got[-1][1]
    assert final["status"] == "succeeded", final
    assert final["counts"]["followers"] == followers
    assert final["delta"]["new_followers"] == followers  # the first scrape: all new
    assert final["progress"][0] == {
        "list": "followers", "fetched": followers, "expected": followers, "percent": 100,
        "complete": True, "reason": "",
    }  # fmt: skip
    assert took < 120


def test_a_client_that_leaves_an_event_stream_gives_its_slot_back_at_once(
    tmp_path: Path, sim: Sim
) -> None:
    """With 2 web threads one stream may be open. A scrape that waits for the
    owner sends only heartbeats (every 15 s), and Waitress notices a departed
    client only when a write fails: the next client got 503 for 15-30 s. Now,
    once a client is refused, the open streams write at every poll, and the
    slot comes back within a few seconds (3.2 s measured)."""
    env = {**sim_env(sim), "IGDASH_WEB_THREADS": "2"}
    data = tmp_path / "data"
    with run_serve(data, env) as served:
        served.wait_healthy()
        made = run_manage(
            data, "shell", "-c",
            "from accounts_app.models import IgUser, TrackedAccount\n"
            "from scraping.models import Scrape\n"
            "t = TrackedAccount.objects.create(user=IgUser.objects.create(username='waits'))\n"
            "print(Scrape.objects.create(target=t, status='needs_attention').pk)",
            env=data_env(data, **env),
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        scrape_id = int(made.stdout.strip().splitlines()[-1])
        reader = {"Authorization": f"Bearer {token(served, env, 'read')}"}
        url = f"/api/v1/scrapes/{scrape_id}/events"
        with (
            httpx.Client(base_url=served.base_url, headers=reader, timeout=30) as first,
            first.stream("GET", url) as response,
        ):
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("event: ")) == "event: progress"
            with httpx.Client(base_url=served.base_url, headers=reader) as other:
                assert other.get(url, timeout=10).status_code == 503  # the one slot
        left = time.monotonic()  # the first client's connection is closed
        with httpx.Client(base_url=served.base_url, headers=reader, timeout=30) as second:
            while True:
                with second.stream("GET", url) as response:
                    if response.status_code == 200:
                        break
                    assert response.status_code == 503
                assert time.monotonic() - left < 10, "the slot was not given back"
                time.sleep(0.25)

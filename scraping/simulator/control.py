"""The simulator's JSON control API under /__sim__/ (see docs/simulator.md)."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import TYPE_CHECKING, Any

from scraping.instagram import endpoints as ep
from scraping.simulator.content import truth_entry
from scraping.simulator.scenarios import SCENARIOS, delay_ms, validate_scenarios
from scraping.simulator.world import CAST
from scraping.simulator.wsgi import Request, Response, json_response

if TYPE_CHECKING:
    from scraping.simulator.app import SimulatorApp


def register(app: SimulatorApp) -> None:
    routes = [
        ("GET", r"/__sim__/?", ctl_index),
        ("GET", r"/__sim__/cast", ctl_cast),
        ("GET|POST", r"/__sim__/day", ctl_day),
        ("GET", r"/__sim__/truth", ctl_truth),
        ("GET", r"/__sim__/content", ctl_content),
        ("GET", r"/__sim__/stats", ctl_stats),
        ("POST", r"/__sim__/stats/reset", ctl_stats_reset),
        ("GET", r"/__sim__/stats/log", ctl_stats_log),
        ("GET", r"/__sim__/scenarios", ctl_scenarios),
        (
            "GET|PUT|PATCH|POST|DELETE",
            r"/__sim__/scenarios/(?P<username>[^/]+)",
            ctl_target_scenarios,
        ),
        ("POST", r"/__sim__/reset", ctl_reset),
        ("POST", r"/__sim__/rename", ctl_rename),
        ("POST", r"/__sim__/session", ctl_session),
        ("GET|POST", r"/__sim__/delay", ctl_delay),
    ]
    for methods, pattern, handler in routes:
        app.route(methods, pattern, partial(handler, app))


def _json_body(request: Request) -> dict[str, Any] | Response:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        return json_response(400, {"error": "body is not JSON"})
    if not isinstance(data, dict):
        return json_response(400, {"error": "body must be a JSON object"})
    return data


def ctl_index(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    return json_response(
        200,
        {
            "simulator": "igdash fake Instagram",
            "seed": app.world.seed,
            "day": app.world.day,
            "control": [
                "GET /__sim__/cast",
                "GET|POST /__sim__/day",
                "GET /__sim__/truth",
                "GET /__sim__/content",
                "GET /__sim__/stats",
                "POST /__sim__/stats/reset",
                "GET /__sim__/stats/log",
                "GET /__sim__/scenarios",
                "GET|PUT|PATCH|DELETE /__sim__/scenarios/<u>",
                "POST /__sim__/reset",
                "POST /__sim__/rename",
                "POST /__sim__/session",
                "GET|POST /__sim__/delay",
            ],
            "scenarios": sorted(SCENARIOS),
        },
        raw_utf8=True,
    )


def ctl_cast(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    cast = []
    for member in CAST:
        index = app.world.cast_index(member.username)
        assert index is not None
        entry: dict[str, Any] = {
            "username": member.username,
            "pk": app.world.pk_of(index),
            "full_name": member.full_name,
            "description": member.description,
            "followers": app.world.follower_count(index),
            "following": app.world.following_count(index),
            "is_private": app.is_private(index),
            "is_verified": member.is_verified,
            "scenarios": app.scenarios(index),
        }
        if member.password:
            entry["login"] = {
                "password": member.password,
                "two_factor_code": member.two_factor_code,
                "challenge": member.login_challenge,
            }
        cast.append(entry)
    return json_response(200, {"day": app.world.day, "cast": cast}, raw_utf8=True)


def ctl_day(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    if request.method == "POST":
        data = _json_body(request)
        if isinstance(data, Response):
            return data
        if "day" in data and isinstance(data["day"], int):
            app.world.set_day(data["day"])
        elif isinstance(data.get("advance", 1), int):
            app.world.set_day(app.world.day + int(data.get("advance", 1)))
        else:
            return json_response(400, {"error": 'send {"advance": n} or {"day": n}'})
    return json_response(200, {"day": app.world.day})


def _user_or_error(app: SimulatorApp, username: str) -> int | Response:
    index = app.world.index_of_username(username)
    if index is None:
        return json_response(404, {"error": f"no user {username!r} on day {app.world.day}"})
    return index


def ctl_truth(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    index = _user_or_error(app, request.query.get("username", ""))
    if isinstance(index, Response):
        return index
    direction = request.query.get("direction", "followers")
    if direction not in ep.DIRECTIONS:
        return json_response(400, {"error": "direction is followers or following"})
    try:
        day = int(request.query.get("day", app.world.day))
    except ValueError:
        return json_response(400, {"error": "day must be a number"})
    try:
        limit = int(request.query["limit"]) if "limit" in request.query else None
    except ValueError:
        return json_response(400, {"error": "limit must be a number"})
    members = app.world.members(
        index, "followers" if direction == "followers" else "following", day
    )
    users = [app.world.user(i, day) for i in members[:limit]]
    body = {
        "username": app.world.user(index, day).username,
        "pk": app.world.pk_of(index),
        "direction": direction,
        "day": day,
        "count": len(members),
        "users": [
            {
                "pk": u.pk,
                "username": u.username,
                "full_name": u.full_name,
                "profile_pic_url": u.profile_pic_url,
                "is_verified": u.is_verified,
                "is_private": app.is_private(u.index),
            }
            for u in users
        ],
    }
    return json_response(200, body, raw_utf8=True)


def ctl_content(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    """The account's posts and reels on a day, newest first, as a logged-in client should
    read them (Media's fields; hidden counts null), plus where each is listed."""
    index = _user_or_error(app, request.query.get("username", ""))
    if isinstance(index, Response):
        return index
    try:
        day = int(request.query.get("day", app.world.day))
        limit = int(request.query["limit"]) if "limit" in request.query else None
    except ValueError:
        return json_response(400, {"error": "day and limit must be numbers"})
    posts = app.world.content.visible(index, day)
    body = {
        "username": app.world.user(index, day).username,
        "pk": app.world.pk_of(index),
        "day": day,
        "count": len(posts),
        "posts": [truth_entry(app.world, post, day) for post in posts[:limit]],
    }
    return json_response(200, body, raw_utf8=True)


def ctl_stats(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    return json_response(200, app.stats())


def ctl_stats_log(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    log = app.request_log()
    return json_response(200, {"count": len(log), "requests": [list(entry) for entry in log]})


def ctl_stats_reset(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    app.reset_stats()
    return ctl_stats(app, request, match)


def ctl_scenarios(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    return json_response(200, app.scenario_table())


def ctl_target_scenarios(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    index = _user_or_error(app, match["username"])
    if isinstance(index, Response):
        return index
    if request.method != "GET":
        data: dict[str, Any] = {}
        if request.method != "DELETE":
            body = _json_body(request)
            if isinstance(body, Response):
                return body
            data = body
        base = {} if request.method in ("PUT", "DELETE") else dict(app.scenarios(index))
        merged = {**base, **data}
        try:
            clean = validate_scenarios(merged)
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
        app.set_scenarios(index, clean)
    return json_response(200, {"username": match["username"], "scenarios": app.scenarios(index)})


HANDLE_RE = re.compile(r"[a-z0-9._]{1,30}")


def ctl_rename(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    """{"username": old, "to": new}: the user is known as `new` from now on (its
    pk stays); the old name answers "not found" like any unknown name."""
    data = _json_body(request)
    if isinstance(data, Response):
        return data
    index = _user_or_error(app, str(data.get("username", "")))
    if isinstance(index, Response):
        return index
    new = str(data.get("to", "")).strip().lstrip("@").lower()
    if not HANDLE_RE.fullmatch(new):
        return json_response(400, {"error": "to must be a handle (a-z, 0-9, . and _)"})
    try:
        app.world.rename(index, new)
    except ValueError as exc:
        return json_response(409, {"error": str(exc)})
    return json_response(200, {"pk": app.world.pk_of(index), "username": new})


def ctl_reset(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    app.reset()
    return json_response(200, {"day": app.world.day, "reset": True})


def ctl_session(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    data = _json_body(request)
    if isinstance(data, Response):
        return data
    index = _user_or_error(app, str(data.get("username", "demo_owner")))
    if isinstance(index, Response):
        return index
    sessionid = app.world.new_session(index)
    return json_response(
        200,
        {
            "sessionid": sessionid,
            "ds_user_id": str(app.world.pk_of(index)),
            "csrftoken": app.world.sign(f"csrf:{sessionid}", 32),
            "authorization": app.world.authorization_for(sessionid, index),
        },
    )


def ctl_delay(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    if request.method == "POST":
        data = _json_body(request)
        if isinstance(data, Response):
            return data
        try:
            app.delay_ms = delay_ms(data.get("ms", 0))
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
    return json_response(200, {"ms": app.delay_ms})

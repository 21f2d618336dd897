"""The scrape engine: claim, resolve the profile, choose a client, page through
the lists with a checkpoint per write (a page, or the pages of a second),
finalise. docs/scraping.md "A run, step by step".

Everything Instagram can answer ends in a state the owner can read:
- RateLimited: waiting_rate_limit with resume_at, re-enqueued for then (and the
  resumer's safety net); the limiter closed the window first.
- A login problem (challenge, checkpoint, feedback, logged out, 2FA, bad
  password): the login gets that status and the scrape needs_attention.
- Network or server trouble: queued again with backoff, failed after a few.
- No such account, private without a login that follows it, no login at all:
  failed with the reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts_app import vault
from accounts_app.models import LoginCredential
from scraping.instagram.base import InstagramClient
from scraping.instagram.endpoints import Direction as WireDirection
from scraping.instagram.errors import (
    BadPassword,
    ChallengeRequired,
    CheckpointRequired,
    EmptyEdgesFailure,
    FeedbackRequired,
    InstagramError,
    ListCapped,
    LoginRequired,
    NotFound,
    PrivateTarget,
    RateLimited,
    TransportError,
    TwoFactorRequired,
)
from scraping.instagram.types import Page, Profile
from scraping.models import Direction, Scrape, ScrapeList, ScrapeSeen
from scraping.ratelimit import RateLimiter, WindowClosed, login_key
from scraping.services import answer_cache, clients, extra_parts, logins
from scraping.services.clients import ClientKind, Connector
from scraping.services.config import max_retries
from scraping.services.delta import finalise
from scraping.services.scrapes import claim, enqueue, forget_unknown_target, former_holder
from scraping.services.store import (
    LostClaim,
    TargetConflict,
    attach_profile,
    store_pages,
    touch,
)
from scraping.services.transitions import change_status
from scraping.services.tuning import scrape_connection

log = logging.getLogger(__name__)
Status = Scrape.Status
LOGIN_ERRORS = (
    LoginRequired,
    ChallengeRequired,
    CheckpointRequired,
    FeedbackRequired,
    TwoFactorRequired,
    BadPassword,
    vault.VaultError,
)
VAULT_LOCKED = "vault_locked"
INTERNAL = "internal_error"  # an exception igdash did not expect: a bug to report
NO_LOGIN = (
    "Instagram shows follower lists only to a logged-in account, and no login is usable. "
    "Add one or fix one (Settings, or `igdash login_instagram USERNAME --sessionid-stdin`)."
)
DIRECTION_NAMES: dict[int, WireDirection] = {
    Direction.FOLLOWER: "followers",
    Direction.FOLLOWING: "following",
}


class ScrapeFailed(Exception):
    """The scrape cannot go on, for a reason the owner reads in `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LoginUnusable(Exception):
    """The login the scrape runs as needs the owner: nothing is sent with it."""

    def __init__(self, login: LoginCredential) -> None:
        super().__init__(login.status_message or login.get_status_display())
        self.login = login


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Run:
    scrape: Scrape
    worker: str
    connect: Connector
    limiter: RateLimiter | None = None
    client: InstagramClient | None = None
    login: LoginCredential | None = None
    kind: ClientKind | None = None
    confirmed: bool = False  # a page was stored with the current login
    tried_logins: set[int] = field(default_factory=set)

    def use(self, kind: ClientKind, login: LoginCredential | None) -> InstagramClient:
        """Connect as `login` (closing any previous client); every request goes
        through that login's limiter."""
        if self.client is not None:
            clients.close(self.client)
            self.client = None
        if login is not None and not logins.is_usable(login):
            raise LoginUnusable(login)
        self.login, self.kind, self.confirmed = login, kind, False
        self.limiter = RateLimiter(login_key(login.pk if login else None))
        proxy = clients.pick_proxy(login, self.scrape.attempts)
        # Profile and posts listings may come from the last day's answers
        # (answer_cache.py): never with fresh, and the profile only without
        # follower lists, which are checked against its counts.
        fresh = self.scrape.fresh
        self.client = answer_cache.wrap(
            self.connect(kind, login, self.limiter, proxy),
            kind,
            logged_in=login is not None,
            read_profile=not fresh and not self.scrape.directions,
            read_listings=not fresh,
        )
        return self.client


def run_scrape(
    scrape_id: int, *, worker: str | None = None, connect: Connector = clients.connect
) -> Scrape | None:
    """Claim and run one scrape as far as it can go now. Returns the scrape, or
    None when it was not ours to run (another worker, finished, gone)."""
    worker = worker or worker_id()
    scrape = claim(scrape_id, worker)
    if scrape is None:
        log.info("scrape #%s not claimable; nothing to do", scrape_id)
        return None
    run = Run(scrape, worker, connect)
    try:
        if not _attempt(run):
            return None
    except Exception as exc:
        # The handling of an outcome failed itself (a bug, the database): the
        # scrape must still leave `running`, or the resumer re-runs it forever.
        log.exception("scrape #%s: handling its outcome failed", scrape_id)
        _fail(run, INTERNAL, _internal_message(exc))
    finally:
        if run.client is not None:
            clients.close(run.client)
    scrape.refresh_from_db()
    return scrape


def _attempt(run: Run) -> bool:
    """Run the scrape and move it to the state its outcome calls for. False when
    another worker (or the owner's cancel) took it meanwhile."""
    try:
        if vault.is_locked():  # every list needs a login, and logins need the key
            raise vault.VaultLocked()
        with scrape_connection():
            _run(run)
    except LostClaim as exc:
        log.warning("%s", exc)
        return False
    except Exception as exc:
        if not _settle_access_problem(run, exc):
            _settle_failure(run, exc)
    return True


def _settle_access_problem(run: Run, exc: Exception) -> bool:
    """The vault, a login, the rate limit or the network stood in the way: park
    the scrape, queue it again or ask the owner. False when `exc` is none of these."""
    if isinstance(exc, vault.VaultLocked):
        # Nothing is wrong with the login: keep its status, wait for the owner.
        _needs_attention(run, VAULT_LOCKED, f"{exc} This scrape goes on by itself after that.")
    elif isinstance(exc, RateLimited):
        _park(run, exc)
    elif isinstance(exc, LoginUnusable):
        _needs_attention(run, "login_unusable", str(exc))
    elif isinstance(exc, LOGIN_ERRORS):
        login = run.login
        if login is None:
            _fail(run, getattr(exc, "code", "login_required"), _anonymous_refusal(exc))
        else:
            _needs_attention(run, getattr(exc, "code", "vault"), logins.record_failure(login, exc))
    elif isinstance(exc, TransportError):
        _retry_later(run, exc)
    else:
        return False
    return True


def _settle_failure(run: Run, exc: Exception) -> None:
    """The scrape cannot go on: fail it with the reason `exc` gives (called
    while `exc` is handled, so a traceback still reaches the log)."""
    if isinstance(exc, NotFound | PrivateTarget):
        _fail(run, exc.code, _target_message(run, exc))
        if isinstance(exc, NotFound):
            forget_unknown_target(run.scrape.pk)
    elif isinstance(exc, ScrapeFailed):
        _fail(run, exc.code, exc.message)
    elif isinstance(exc, TargetConflict):
        _fail(run, "target_busy", str(exc))
    elif isinstance(exc, InstagramError):
        _fail(run, exc.code, exc.message)
    else:
        # The traceback goes to the log file; the owner reads the short message.
        log.exception("scrape #%s failed", run.scrape.pk)
        _fail(run, INTERNAL, _internal_message(exc))


def _internal_message(exc: BaseException) -> str:
    return f"igdash failed: {type(exc).__name__}: {exc}"[:300] + " (traceback in the log file)"


def abandon(scrape_id: int, worker: str, exc: BaseException) -> bool:
    """Fail a scrape this worker still runs, without the engine's bookkeeping:
    the task's last resort when run_scrape itself raised."""
    with transaction.atomic():
        failed = change_status(
            scrape_id,
            Status.FAILED,
            _internal_message(exc),
            when=Q(claimed_by=worker, status=Status.RUNNING),
            finished_at=timezone.now(),
            claimed_by="",
            error_code=INTERNAL,
            error_message=_internal_message(exc),
        )
        if failed:
            ScrapeSeen.objects.filter(scrape_id=scrape_id).delete()
    return failed


def _run(run: Run) -> None:
    scrape = run.scrape
    if scrape.profile_follower_count is None or not scrape.client_used:
        target_pk = _start(run)
    else:
        assert scrape.target is not None  # a scrape being run has its target
        ig_pk = scrape.target.user.ig_pk
        assert ig_pk is not None
        target_pk = ig_pk
        run.use(scrape.client_used, scrape.login)  # type: ignore[arg-type]  # client_used holds a ClientKind
    for part in ScrapeList.objects.filter(scrape=scrape).order_by("direction"):
        if not (part.exhausted or part.incomplete_reason):
            _page_through(run, target_pk, part)
    for extra in extra_parts.wanted_by(scrape):  # posts and reels, when an app adds them
        extra.page_through(run, target_pk)
    finalise(scrape, run.worker)


def _start(run: Run) -> int:
    """Resolve the profile and choose the client for the lists."""
    scrape = run.scrape
    assert scrape.target is not None  # a scrape being run has its target
    username = scrape.target.user.username
    usable = list(logins.usable_logins())
    if not usable:
        raise ScrapeFailed("no_login", NO_LOGIN)
    web_login = next((login for login in usable if _has_web_session(login)), None)
    try:
        try:
            profile = run.use("web", web_login).get_profile(username)
        except LoginRequired:
            if web_login is not None or not (scrape.use_private_login and usable):
                raise
            # Instagram refused the anonymous profile request: ask as a login instead.
            profile = run.use("private", usable[0]).get_profile(username)
    except NotFound as exc:
        profile = _renamed_profile(run, usable, exc)
    attach_profile(scrape, run.worker, profile)
    with transaction.atomic():
        # Choosing is serialised across workers and reads the logins afresh: two
        # scrapes starting in the same second had both read the list before
        # either had chosen, took the same login and shared its window (the
        # scale benchmark: pairs of scrapes at 150 of 150 a window, each 40%
        # slower, ending together and so starting together again). The scrape's
        # own row is locked first, as deleting a login does (it clears the
        # scrapes' login, then deletes the login's row): the same order, no
        # deadlock.
        touch(scrape.pk, run.worker)
        logins.lock_choice()
        usable = list(logins.usable_logins())
        if not usable:  # the owner removed or blocked them during the profile request
            raise ScrapeFailed("no_login", NO_LOGIN)
        web_login = next((login for login in usable if _has_web_session(login)), None)
        kind, login, reason = _choose(scrape, profile, usable, web_login)
        touch(scrape.pk, run.worker, client_used=kind, client_reason=reason, login=login)
        logins.mark_chosen(login)
    scrape.client_used, scrape.client_reason, scrape.login = kind, reason, login
    if (run.kind, run.login) != (kind, login):
        run.use(kind, login)
    return profile.pk


def _renamed_profile(run: Run, usable: list[LoginCredential], not_found: NotFound) -> Profile:
    """The handle is not found: an account igdash knows by pk may have been
    renamed since its last scrape. Ask for the pk (the private API's user info,
    as a login); on an answer the scrape goes on under the new name, which
    attach_profile records on the user row. Re-raises NotFound otherwise."""
    scrape = run.scrape
    assert scrape.target is not None  # a scrape being run has its target
    user = scrape.target.user
    if user.ig_pk is None:
        raise not_found
    client = run.client
    if getattr(client, "get_profile_by_pk", None) is None:
        client = run.use("private", usable[0])
    profile = client.get_profile_by_pk(user.ig_pk)  # type: ignore[union-attr]  # a PrivateClient's (getattr above)
    if profile.username.lower() == user.username.lower():
        raise not_found  # the pk answers under the same name: nothing to follow
    note = f"@{user.username} is now @{profile.username} (found by its Instagram id {user.ig_pk})."
    log.info("scrape #%s: %s", scrape.pk, note)
    with transaction.atomic():
        touch(scrape.pk, run.worker, note=note)
    scrape.note = note
    return profile


def _choose(
    scrape: Scrape,
    profile: Profile,
    usable: list[LoginCredential],
    web_login: LoginCredential | None,
) -> tuple[ClientKind, LoginCredential, str]:
    """Public target: the web API with a browser session, else the private API.
    Private target: the private API as a login that follows it (the target's own
    login first). A source chosen on the scrape wins."""
    name = f"@{profile.username}"
    source = scrape.source
    if source in (Scrape.Source.WEB, Scrape.Source.GRAPHQL):
        if web_login is None:
            raise ScrapeFailed(
                "no_web_session", f"The {source} client needs a login with a browser session."
            )
        kind: ClientKind = "graphql" if source == Scrape.Source.GRAPHQL else "web"
        return kind, web_login, f"{source} client chosen for this scrape, as @{web_login.username}"
    if source == Scrape.Source.PRIVATE:
        login = _private_login(profile, usable)
        return "private", login, f"private client chosen for this scrape, as @{login.username}"
    if not profile.is_private:
        if web_login is not None:
            return "web", web_login, f"public account: web API as @{web_login.username}"
        if scrape.use_private_login:
            login = usable[0]
            return (
                "private",
                login,
                f"public account, no browser session stored: private API as @{login.username}",
            )
        raise ScrapeFailed(
            "no_web_session",
            f"{name} is public but no login has a browser session stored, and the private "
            "login is not allowed for this scrape.",
        )
    if not scrape.use_private_login:
        raise ScrapeFailed(
            "private_target", f"{name} is private: allow the private login to scrape it."
        )
    login = _private_login(profile, usable)
    return "private", login, f"private account: private API as @{login.username}"


def _private_login(profile: Profile, usable: list[LoginCredential]) -> LoginCredential:
    own = [login for login in usable if login.ig_pk == profile.pk]
    return (own or usable)[0]


def _has_web_session(login: LoginCredential) -> bool:
    try:
        return logins.web_sessionid(login) is not None
    except vault.VaultError:
        return False


def _page_through(run: Run, target_pk: int, part: ScrapeList) -> None:
    direction = DIRECTION_NAMES[Direction(part.direction)]
    cursor = part.cursor or None
    pending = _Pending(since=_clock())
    try:
        while True:
            assert run.client is not None
            try:
                page = run.client.list_page(target_pk, direction, cursor)
            except (EmptyEdgesFailure, ListCapped) as exc:
                _store(run, part, pending)
                _stop_part(run, part, exc.message, capped=isinstance(exc, ListCapped))
                return
            except PrivateTarget:
                _store(run, part, pending)
                if not _next_private_login(run, part):
                    raise
                continue
            pending.add(page)
            repeated = page.next_cursor == cursor
            if page.next_cursor is None or repeated or pending.full():
                _store(run, part, pending)
            if page.next_cursor is None:
                return
            if repeated:
                _stop_part(run, part, "Instagram sent the same cursor twice")
                return
            cursor = page.next_cursor
    except BaseException:
        # What was fetched before the error is kept. The error itself still has
        # to reach run_scrape (a 429 closes the limiter's window, a logout marks
        # the login): a failure of this write, even "no longer ours", must not
        # replace it; the handlers check ownership themselves.
        try:
            _store(run, part, pending)
        except Exception:
            log.warning("scrape #%s: pages before the error not written", run.scrape.pk)
        raise


# Pages are written together until GROUP_SECONDS have passed since the last write
# (up to GROUP_USERS users): a fast list (no pacing, quick answers) commits about
# once a second instead of once a page, which roughly halves the index pages its
# new users dirty (docs/performance.md). A page that arrives a second or more
# after the last write (a paced scrape: the pauses average seconds) is written
# at once, on its own. A crash loses at most the pages of that second; the
# resume fetches them again from the stored cursor.
GROUP_SECONDS = 1.0
GROUP_USERS = 2000
_clock = time.monotonic


@dataclass
class _Pending:
    since: float  # the last write, or the start of the list
    pages: list[Page] = field(default_factory=list)
    users: int = 0

    def add(self, page: Page) -> None:
        self.pages.append(page)
        self.users += len(page.users)

    def full(self) -> bool:
        return self.users >= GROUP_USERS or _clock() - self.since >= GROUP_SECONDS

    def take(self) -> list[Page]:
        pages, self.pages, self.users, self.since = self.pages, [], 0, _clock()
        return pages


def _store(run: Run, part: ScrapeList, pending: _Pending) -> None:
    pages = pending.take()
    if not pages:
        return
    store_pages(run.scrape, run.worker, part, pages)
    if run.login is not None and not run.confirmed:
        logins.mark_ok(run.login)
        run.confirmed = True


def _next_private_login(run: Run, part: ScrapeList) -> bool:
    """A private target refused this login: try the next one that might follow it.
    Only before anything of the list was stored (cursors belong to a session)."""
    if (
        run.scrape.client_used != "private"
        or (run.scrape.source == Scrape.Source.PRIVATE and run.tried_logins)
        or part.pages
        or run.login is None
    ):
        return False
    run.tried_logins.add(run.login.pk)
    candidates = [login for login in logins.usable_logins() if login.pk not in run.tried_logins]
    if not candidates:
        return False
    login = candidates[0]
    reason = f"private account: private API as @{login.username} (a login that follows it)"
    with transaction.atomic():
        touch(run.scrape.pk, run.worker, login=login, client_reason=reason)
        logins.mark_chosen(login)
    run.scrape.login, run.scrape.client_reason = login, reason
    run.use("private", login)
    return True


def _stop_part(run: Run, part: ScrapeList, reason: str, *, capped: bool = False) -> None:
    """This list cannot go further: keep what was stored, judge it incomplete."""
    with transaction.atomic():
        touch(run.scrape.pk, run.worker)
        part.incomplete_reason = reason
        part.capped = part.capped or capped
        ScrapeList.objects.filter(pk=part.pk).update(incomplete_reason=reason, capped=part.capped)


def _transition(run: Run, *, status: str, **fields: object) -> bool:
    """Leave `running`, if the scrape is still this worker's (logged once)."""
    reason = str(fields.get("error_message", ""))
    mine = Q(claimed_by=run.worker, status=Status.RUNNING)
    return change_status(run.scrape.pk, status, reason, when=mine, **fields)


def _park(run: Run, exc: RateLimited) -> None:
    now = timezone.now()
    if isinstance(exc, WindowClosed) or run.limiter is None:
        until = now + dt.timedelta(seconds=exc.retry_after or 60)
        message = f"Pausing for the rate limit of {_who(run)}"
    else:
        until = run.limiter.penalise(exc.retry_after)
        message = f"Instagram asked {_who(run)} to wait"
        if run.login is not None:
            exc.retry_after = (until - now).total_seconds()
            logins.record_failure(run.login, exc)
    local = timezone.localtime(until)
    with transaction.atomic():
        if _transition(
            run,
            status=Status.WAITING_RATE_LIMIT,
            resume_at=until,
            heartbeat_at=now,
            error_code="rate_limited",
            error_message=f"{message}; resuming at {local:%H:%M:%S}.",
        ):
            enqueue(run.scrape.pk, eta=until)


def _who(run: Run) -> str:
    return f"@{run.login.username}" if run.login else "anonymous requests"


def _needs_attention(run: Run, code: str, message: str) -> None:
    _transition(
        run,
        status=Status.NEEDS_ATTENTION,
        heartbeat_at=timezone.now(),
        error_code=code[:40],
        error_message=message,
    )


def _retry_later(run: Run, exc: TransportError) -> None:
    retries = run.scrape.retries + 1
    if retries > max_retries():
        _fail(run, exc.code, f"Gave up after {retries - 1} retries: {exc.message}")
        return
    wait = min(30 * 2 ** (retries - 1), 900)
    until = timezone.now() + dt.timedelta(seconds=wait)
    with transaction.atomic():
        if _transition(
            run,
            status=Status.QUEUED,
            retries=retries,
            resume_at=until,
            heartbeat_at=timezone.now(),
            error_code=exc.code,
            error_message=f"{exc.message} Retrying in {wait} s.",
        ):
            enqueue(run.scrape.pk, eta=until)


def _fail(run: Run, code: str, message: str) -> None:
    with transaction.atomic():
        if _transition(
            run,
            status=Status.FAILED,
            finished_at=timezone.now(),
            claimed_by="",
            error_code=code[:40],
            error_message=message,
        ):
            ScrapeSeen.objects.filter(scrape_id=run.scrape.pk).delete()


def _target_message(run: Run, exc: InstagramError) -> str:
    assert run.scrape.target is not None  # a scrape being run has its target
    username = run.scrape.target.user.username
    name = f"@{username}"
    if isinstance(exc, NotFound):
        message = f"Not found: Instagram has no account {name} (renamed, deactivated or mistyped)."
        former = former_holder(username)
        if former is not None:
            message += (
                f" You track the account that had this name as @{former.user.username}"
                " (renamed): scrape that one."
            )
        return message
    return f"{name} is private and none of your logins follows it."


def _anonymous_refusal(exc: Exception) -> str:
    return (
        f"Instagram refused the request without a login ({exc}). Add a login "
        "(Settings, or `igdash login_instagram USERNAME --sessionid-stdin`)."
    )

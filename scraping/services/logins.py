"""The owner's Instagram logins: secrets stored sealed, sessions reused, and a
status the UI shows and the scrape engine obeys.

A login whose status is not usable (challenge, 2FA, bad password, logged out,
feedback, locked) sends nothing more to Instagram until the owner acts: stores a
new secret, enters a code, or checks it again after clearing the challenge.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts_app import proxies, vault
from accounts_app.models import LoginCredential
from scraping.instagram.base import InstagramClient, Pacer
from scraping.instagram.errors import (
    BadPassword,
    ChallengeRequired,
    CheckpointRequired,
    FeedbackRequired,
    InstagramError,
    LoginRequired,
    RateLimited,
    TwoFactorRequired,
    UnknownUser,
)
from scraping.models import Scrape

Status = LoginCredential.Status
USABLE = (Status.OK, Status.UNCHECKED, Status.RATE_LIMITED)
# Scrapes that hold their login: they send as it now, or will once its window opens.
LOGIN_HOLDERS = (Scrape.Status.RUNNING, Scrape.Status.WAITING_RATE_LIMIT)
SECRET_FIELDS = {"password": "password_enc", "session": "session_enc", "sessionid": "sessionid_enc"}


def _aad(login: LoginCredential, what: str) -> str:
    return f"logincredential:{login.pk}:{what}"


def _seal(login: LoginCredential, what: str, data: bytes | None) -> None:
    blob = vault.seal(_aad(login, what), data) if data is not None else None
    setattr(login, SECRET_FIELDS[what], blob)


def _open(login: LoginCredential, what: str) -> bytes | None:
    blob = getattr(login, SECRET_FIELDS[what])
    return vault.open_(_aad(login, what), blob) if blob else None


def password(login: LoginCredential) -> str | None:
    raw = _open(login, "password")
    return raw.decode() if raw is not None else None


def session_settings(login: LoginCredential) -> dict[str, Any] | None:
    raw = _open(login, "session")
    return json.loads(raw) if raw is not None else None


def web_sessionid(login: LoginCredential) -> str | None:
    """The browser `sessionid` cookie: stored as such, or found in the instagrapi
    session settings (the same cookie the mobile session carries)."""
    raw = _open(login, "sessionid")
    if raw is not None:
        return raw.decode()
    settings = session_settings(login) or {}
    found = (settings.get("authorization_data") or {}).get("sessionid") or (
        settings.get("cookies") or {}
    ).get("sessionid")
    return str(found) if found else None


def usable_logins() -> QuerySet[LoginCredential]:
    """Logins the engine may use, best first: a login Instagram has not told to
    slow down before one it has; then the ones held by the fewest scrapes
    (running, or parked until the login's window opens); then checked OK before
    unchecked; then least recently used.

    With several workers the logins must spread over the scrapes: two scrapes
    on one login share its window and park each other. Least recently used
    alone got it wrong half the time (a login in use is written at every page,
    and the one whose scrape just ended at its last page: which is "older" is
    a toss-up), and "checked first" sent every scrape to the one login a scrape
    had just checked (the scale benchmark: 507 and 305 requests over 2 logins,
    and 13 of 16 scrapes parked with 4)."""
    has_secret = (
        Q(password_enc__isnull=False)
        | Q(session_enc__isnull=False)
        | Q(sessionid_enc__isnull=False)
    )
    slowed_last = Case(When(status=Status.RATE_LIMITED, then=1), default=0)
    checked_first = Case(When(status=Status.OK, then=0), default=1)
    holding = (
        Scrape.objects.filter(login=OuterRef("pk"), status__in=LOGIN_HOLDERS)
        .order_by()
        .values("login")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        LoginCredential.objects.filter(is_active=True, status__in=USABLE)
        .filter(has_secret)
        .annotate(held_by=Coalesce(Subquery(holding), 0))
        .order_by(
            slowed_last, "held_by", checked_first, F("last_used_at").asc(nulls_first=True), "id"
        )
    )


def is_usable(login: LoginCredential) -> bool:
    return login.is_active and login.status in USABLE and login.has_secret


@transaction.atomic
def store_login(
    username: str,
    *,
    password: str | None = None,
    sessionid: str | None = None,
    proxy: str | None = None,
) -> LoginCredential:
    """Create or update a login with a new secret. Its status goes back to
    "unchecked": the owner has acted, so the engine may try it again."""
    name = username.strip().lstrip("@").lower()
    if not name:
        raise ValueError("Give the Instagram username of the login.")
    if proxy is not None:
        proxies.check_address(proxy)
    login, _ = LoginCredential.objects.get_or_create(username=name)
    if password is not None:
        _seal(login, "password", password.encode())
    if sessionid is not None:
        _seal(login, "sessionid", sessionid.strip().encode())
        _seal(login, "session", None)  # the old device session belongs to another login
    if proxy is not None:
        proxies.set_login_proxy(login, proxy)
    _reset(login, Status.UNCHECKED)
    login.save()
    return login


def store_session(login: LoginCredential, settings: dict[str, Any], user_id: int | None) -> None:
    _seal(login, "session", json.dumps(settings).encode())
    if user_id:
        login.ig_pk = user_id
    login.save(update_fields=["session_enc", "ig_pk"])


@dataclass(frozen=True)
class Outcome:
    """What became of a newly given secret: `ok` when Instagram took it;
    `message` is for the owner either way. `stored` says whether the new secret
    was kept; when it was not, `field` names what the owner should correct
    ("username", "password" or "sessionid")."""

    login: LoginCredential | None
    ok: bool
    message: str
    stored: bool = True
    field: str = ""


def add_secret(
    username: str,
    *,
    password: str | None = None,
    sessionid: str | None = None,
    proxy: str | None = None,
    code: str | None = None,
) -> Outcome:
    """Try a newly given password or session id with a FRESH login (never the
    stored session, which would say "OK" whatever was typed) and store it only
    when Instagram takes it.

    - Taken: the new secret and its new session are stored, status OK.
    - The password is right but Instagram wants a 2FA code or a security check:
      the password is stored and the login waits for the owner (NEEDS_2FA,
      CHALLENGE), as before.
    - Refused (wrong password, unknown user, session id not accepted) or not
      checkable now (network, rate limit): a login that was working keeps its
      previous password, session and status untouched, and the owner is told.
      A login with nothing working yet keeps the new secret with the failure
      status, so it can be checked again, except for an unknown user name: no
      login is left behind for a name Instagram does not have.
    """
    from scraping.ratelimit import RateLimiter, WindowClosed, login_key
    from scraping.services.clients import close, pick_proxy, private_client

    if password is None and sessionid is None:
        raise ValueError("Give the password or the session id of the login.")
    name = username.strip().lstrip("@").lower()
    if not name:
        raise ValueError("Give the Instagram username of the login.")
    if proxy is not None:
        proxies.check_address(proxy)  # before a login row exists for it
    if vault.is_locked():
        # Checked first: a fresh login that cannot be stored afterwards would only
        # have cost a login attempt (and maybe a challenge) for nothing.
        message = "igdash is locked: enter its passphrase first. Nothing was sent to Instagram."
        field = "password" if password is not None else "sessionid"
        return Outcome(None, False, message, stored=False, field=field)
    login, created = LoginCredential.objects.get_or_create(username=name)
    was_working = not created and is_usable(login)
    if proxy is not None:
        proxies.set_login_proxy(login, proxy)
    limiter = RateLimiter(login_key(login.pk))
    client = private_client(pacer=limiter, proxy=pick_proxy(login))
    try:
        if sessionid is not None:
            client.login_by_sessionid(sessionid.strip())
            user_id: int | None = client.verify_session()
        else:
            assert password is not None  # checked above: one of the two is given
            client.login(name, password, code)
            user_id = client.user_id
    except InstagramError as exc:
        close(client)
        if isinstance(exc, RateLimited) and not isinstance(exc, WindowClosed):
            exc.retry_after = (limiter.penalise(exc.retry_after) - timezone.now()).total_seconds()
        return _refused(
            login,
            exc,
            created=created,
            was_working=was_working,
            password=password,
            sessionid=sessionid,
        )
    session = client.settings()
    close(client)
    with transaction.atomic():
        _seal(login, "password", password.encode() if password is not None else None)
        # A password login's session carries its own cookie; a given session id is kept.
        _seal(login, "sessionid", sessionid.strip().encode() if sessionid is not None else None)
        _seal(login, "session", json.dumps(session).encode())
        login.ig_pk = user_id or login.ig_pk
        _reset(login, Status.OK)
        login.status_message = "Logged in."
        login.last_checked_at = timezone.now()
        login.save()
    return Outcome(login, True, f"@{name} is logged in.")


def _refused(
    login: LoginCredential,
    exc: Exception,
    *,
    created: bool,
    was_working: bool,
    password: str | None,
    sessionid: str | None,
) -> Outcome:
    """The new secret did not log in: see add_secret for what is kept."""
    name = f"@{login.username}"
    what = "password" if password is not None else "session id"
    field = "password" if password is not None else "sessionid"
    password_taken = isinstance(exc, ChallengeRequired | CheckpointRequired | TwoFactorRequired)
    if isinstance(exc, UnknownUser):
        if created:
            login.delete()
            message = f"Instagram has no user {name}: check the name."
            return Outcome(None, False, message, stored=False, field="username")
        if was_working:
            login.refresh_from_db()  # forget the new proxy too
            message = (
                f"Instagram has no user {name} now; igdash kept the previous {what} and "
                f"session of {name}."
            )
            return Outcome(login, False, message, stored=False, field="username")
    elif was_working and not password_taken:
        login.refresh_from_db()  # forget the new proxy too
        if isinstance(exc, BadPassword):
            why = f"Instagram refused the new password of {name}"
        elif isinstance(exc, LoginRequired) and sessionid is not None:
            why = f"Instagram did not accept the new session id of {name}"
        else:
            why = f"The new {what} of {name} could not be checked ({exc})"
        message = f"{why}; igdash kept the previous {what} and session."
        return Outcome(login, False, message, stored=False, field=field)
    # Nothing working to keep (or the password was right and Instagram wants more):
    # the new secret is stored with the status the failure calls for.
    if password is not None:
        _seal(login, "password", password.encode())
    if sessionid is not None:
        _seal(login, "sessionid", sessionid.strip().encode())
        _seal(login, "session", None)  # the old device session belongs to another login
    _reset(login, Status.UNCHECKED)
    login.save()
    return Outcome(login, False, record_failure(login, exc))


def _reset(login: LoginCredential, status: str) -> None:
    login.status = status
    login.status_message = ""
    login.challenge_url = ""
    login.two_factor_identifier = ""
    login.cooldown_until = None


def open_private_client(
    login: LoginCredential,
    *,
    pacer: Pacer,
    proxy: str | None,
    code: str | None = None,
    verify: bool = False,
) -> InstagramClient:
    """A private-API client acting as `login`.

    Stored session settings are reused (fresh logins are what trigger
    challenges); without them the stored session id is adopted, and a password
    login is the last resort. New session settings are stored sealed. With
    `verify`, a stored session is checked with one request first."""
    from scraping.services.clients import private_client

    session = session_settings(login)
    # A 2FA code belongs to a password login: a stored session would ignore it.
    if session and not code:
        client = private_client(session=session, pacer=pacer, proxy=proxy)
        if not verify:
            return client
        try:
            login.ig_pk = client.verify_session()
            return client
        except LoginRequired:
            if not (login.sessionid_enc or login.password_enc):
                raise
    stored_sessionid = _open(login, "sessionid")
    stored_password = password(login)
    client = private_client(pacer=pacer, proxy=proxy)
    if stored_sessionid and not code:
        client.login_by_sessionid(stored_sessionid.decode())
    elif stored_password:
        client.login(login.username, stored_password, code)
    else:
        raise LoginRequired(f"No session or password is stored for @{login.username}.")
    store_session(login, client.settings(), client.user_id)
    return client


def check_login(login: LoginCredential, *, code: str | None = None) -> LoginCredential:
    """Talk to Instagram once as `login` (through the limiter) and record the
    outcome in its status. Returns the updated login."""
    from scraping.ratelimit import RateLimiter, WindowClosed, login_key
    from scraping.services.clients import close, pick_proxy

    limiter = RateLimiter(login_key(login.pk))
    try:
        client = open_private_client(
            login, pacer=limiter, proxy=pick_proxy(login), code=code, verify=True
        )
    except vault.VaultError as exc:
        record_failure(login, exc)
        return login
    except InstagramError as exc:
        if isinstance(exc, RateLimited) and not isinstance(exc, WindowClosed):
            exc.retry_after = (limiter.penalise(exc.retry_after) - timezone.now()).total_seconds()
        record_failure(login, exc)
        return login
    close(client)
    _reset(login, Status.OK)
    login.status_message = "Logged in."
    login.last_checked_at = timezone.now()
    login.save()
    return login


def record_failure(login: LoginCredential, exc: Exception) -> str:
    """Give the login the status `exc` calls for; returns the message for humans."""
    status, message = describe_failure(login, exc)
    login.status = status
    login.status_message = message
    login.last_checked_at = timezone.now()
    if isinstance(exc, ChallengeRequired | CheckpointRequired):
        login.challenge_url = exc.url or getattr(exc, "api_path", None) or ""
    if isinstance(exc, TwoFactorRequired):
        login.two_factor_identifier = exc.two_factor_identifier or ""
    if isinstance(exc, RateLimited) and exc.retry_after:
        login.cooldown_until = timezone.now() + dt.timedelta(seconds=exc.retry_after)
    login.save(
        update_fields=[
            "status",
            "status_message",
            "last_checked_at",
            "challenge_url",
            "two_factor_identifier",
            "cooldown_until",
        ]
    )
    return message


def describe_failure(login: LoginCredential, exc: Exception) -> tuple[str, str]:
    name = f"@{login.username}"
    if isinstance(exc, TwoFactorRequired):
        if exc.code_rejected:
            return Status.NEEDS_2FA, f"Instagram did not accept the 2FA code for {name}."
        return Status.NEEDS_2FA, f"Instagram wants the 2FA code for {name}: enter it to log in."
    if isinstance(exc, ChallengeRequired | CheckpointRequired):
        where = f" ({exc.url})" if exc.url else ""
        return Status.CHALLENGE, (
            f"Instagram wants {name} to pass a security check{where}. Open Instagram as "
            f"{name}, confirm it was you, then check the login again."
        )
    if isinstance(exc, FeedbackRequired):
        return Status.FEEDBACK, (
            f"Instagram blocked {name} for a while (feedback_required). Let it rest for a "
            "day, then check the login again."
        )
    if isinstance(exc, UnknownUser):
        return Status.BAD_PASSWORD, f"Instagram has no user {name}: check the name."
    if isinstance(exc, BadPassword):
        return (
            Status.BAD_PASSWORD,
            f"Instagram refused the password of {name}; store the right one.",
        )
    if isinstance(exc, LoginRequired):
        return Status.LOGGED_OUT, (
            f"Instagram logged {name} out. Log in again (Settings, or "
            f"`igdash login_instagram {login.username}`)."
        )
    if isinstance(exc, RateLimited):
        return Status.RATE_LIMITED, f"Instagram asked {name} to wait before trying again."
    if isinstance(exc, vault.VaultError):
        return Status.LOCKED, f"The secrets of {name} cannot be opened: {exc}"
    return login.status, f"{name}: {exc}"


def lock_choice() -> None:
    """Inside a transaction: wait until no other worker is choosing a login, so
    that usable_logins() read next counts every scrape that chose before (row
    locks on PostgreSQL; SQLite's write transactions are serialised anyway)."""
    list(LoginCredential.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def mark_chosen(login: LoginCredential | None) -> None:
    """A scrape just chose `login`: it counts as used now, so the next scrape
    to start (another worker, the same second) takes the next least recently
    used login instead of the same one. Until then last_used_at moved only when
    a page was stored, seconds later: the scale benchmark saw 4 workers spread
    160/158/79/27 requests over 4 logins."""
    if login is not None:
        LoginCredential.objects.filter(pk=login.pk).update(last_used_at=timezone.now())


def mark_ok(login: LoginCredential) -> None:
    """A request as `login` just worked: clear a rate-limit status."""
    LoginCredential.objects.filter(pk=login.pk, status=Status.RATE_LIMITED).update(
        status=Status.OK, status_message="", cooldown_until=None
    )
    mark_chosen(login)

"""Passphrase mode in the web: while the vault is locked, every page shows the
unlock modal instead of its content; /unlock/ takes the passphrase."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts_app import vault
from core.http import safe_next
from igdash import login_throttle

EXEMPT_NAMES = {"login", "admin_login", "logout", "health", "unlock"}


class VaultLockMiddleware:
    """Static files never get here (WhiteNoise answers them first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object
    ) -> HttpResponse | None:
        match = request.resolver_match
        if (
            (match and (match.url_name in EXEMPT_NAMES or "api" in match.namespaces))
            or not request.user.is_authenticated
            or not vault.is_locked()
        ):
            return None
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # reload the whole page: it shows the modal
            return response
        return render(request, "igdash/unlock.html", {"next": request.get_full_path()})


@require_POST
def unlock_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("home"))
    if not vault.passphrase_mode():
        # A stale form or a hand-made POST: nothing to guess, so nothing is counted
        # (it would lock this address out of the login page).
        return render(request, "400.html", {"message": str(vault.NoPassphrase())}, status=400)
    # Counted before the passphrase is tried (igdash/login_throttle.py), with the logins
    # of this address.
    lockout = login_throttle.reserve(request, login_throttle.VAULT_PASSPHRASE_NAME)
    if lockout is not None:
        plural = "s" if lockout.minutes != 1 else ""
        error = f"Too many wrong passphrases. Try again in {lockout.minutes} minute{plural}."
        return render(request, "igdash/unlock.html", {"next": next_url, "error": error}, status=429)
    try:
        vault.unlock(request.POST.get("passphrase", ""))
    except vault.NoPassphrase as exc:  # a stale form, or a hand-made POST
        return render(request, "400.html", {"message": str(exc)}, status=400)
    except vault.WrongPassphrase as exc:
        return render(request, "igdash/unlock.html", {"next": next_url, "error": str(exc)})
    login_throttle.succeeded(request, login_throttle.VAULT_PASSPHRASE_NAME)
    for hook in vault.AFTER_UNLOCK:
        hook()
    return redirect(next_url)

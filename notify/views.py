"""Notify's views: the channels and rules section of Settings, and the bell.

Every action is a POST (the owner only: OwnerOnlyMiddleware refuses viewers);
HTMX gets the section or the panel back, a plain form post goes back to the
page. A typed channel URL is never rendered back, not even in a refused form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts_app import vault
from accounts_app.models import IgUser, TrackedAccount
from core.htmx import HtmxHttpRequest
from core.http import safe_next
from notify import channels
from notify import watch as watch_list
from notify.forms import ChannelForm, RuleForm
from notify.models import AccountRule, Channel, Event
from notify.pages import bell_context, channels_context

SECTION = "notify/_channels.html"
PANEL = "notify/_bell_panel.html"


def _section(request: HtmxHttpRequest, **context: object) -> HttpResponse:
    if request.htmx:
        return render(request, SECTION, channels_context(**context))  # type: ignore[arg-type]
    text = str(context.get("error") or context.get("notice") or "")
    if text:
        messages.add_message(
            request, messages.ERROR if context.get("error") else messages.SUCCESS, text
        )
    return redirect(reverse("settings") + "#notifications")


def _add(form: ChannelForm) -> tuple[str, str]:
    data = form.cleaned_data
    try:
        channel = channels.create(
            data["name"],
            data["url"],
            kinds=list(data["kinds"]),
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
        )
    except vault.VaultLocked:
        return "", "igdash is locked: enter the passphrase first. The channel was not stored."
    except channels.ChannelError as exc:
        form.add_error("url" if "URL" in str(exc) else "name", str(exc))
        return "", ""
    return f"Added the channel “{channel.name}” ({channel.url_hint}). Send it a test.", ""


@require_POST
def channel_add(request: HtmxHttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST)
    notice = error = ""
    if form.is_valid():
        notice, error = _add(form)
    if notice:
        return _section(request, notice=notice)
    if request.htmx:  # the template never renders the typed URL back
        # 200, not 400: htmx 2 does not swap a 4xx answer, so the errors would never show.
        return _section(request, form=form, error=error)
    problems = "; ".join(f"{field}: {errs[0]}" for field, errs in form.errors.items())
    messages.error(request, error or f"The channel was not added: {problems}")
    return redirect(reverse("settings") + "#notifications")


@require_POST
def channel_test(request: HtmxHttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    sent = channels.test_channel(channel)
    if sent.ok:
        return _section(request, notice=f"Sent a test message to “{channel.name}”.")
    return _section(request, error=f"The test message to “{channel.name}” failed: {sent.detail}")


@require_POST
def channel_remove(request: HtmxHttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    channel.delete()
    return _section(request, notice=f"Removed the channel “{channel.name}”; its URL is gone.")


@require_POST
def rule_save(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(TrackedAccount.objects.select_related("user"), pk=account_id)
    rule = AccountRule.objects.filter(account=account).first() or AccountRule(account=account)
    form = RuleForm(request.POST, instance=rule, prefix=f"r{account.pk}")
    if not form.is_valid():
        errors = "; ".join(str(errs[0]) for errs in form.errors.values())
        return _section(request, error=f"@{account.user.username}: {errors}")  # 200: see above
    form.save()
    return _section(request, notice=f"Saved the notifications of @{account.user.username}.")


@require_GET
def bell(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, PANEL, bell_context())


@require_POST
def mark_read(request: HtmxHttpRequest, event_id: int | None = None) -> HttpResponse:
    events = Event.objects.filter(read=False)
    if event_id is not None:
        events = events.filter(pk=event_id)
    events.update(read=True)
    if request.htmx:
        return render(request, PANEL, {**bell_context(), "oob": True})
    return redirect(safe_next(request, reverse("home")))


@require_POST
def watch(request: HtmxHttpRequest, account_id: int, user_id: int) -> HttpResponse:
    """The eye on a list row: watch the user on this account, or stop."""
    target = get_object_or_404(TrackedAccount, pk=account_id)
    user = get_object_or_404(IgUser, pk=user_id)
    is_watched = watch_list.toggle(target, user)
    if request.htmx:
        context = {"target": target, "u": user, "is_watched": is_watched}
        return render(request, "notify/_watch.html", context)
    username = target.user.username
    return redirect(safe_next(request, reverse("accounts:detail", args=[username])))

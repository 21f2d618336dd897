"""The owner's switch of the cloud picture classifier (Face++) and its API key
and secret, sealed with the vault (accounts_app.vault) in the CloudClassifier
row; nothing here returns the key to a page. docs/audience.md "Picture
classifier"."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts_app import vault
from audience.facepp import FaceppProvider
from audience.models import CloudClassifier
from audience.vision import ProviderUnavailable

NAME = "Face++"


def load() -> CloudClassifier:
    """The stored switch, or an unsaved one that is off with no key."""
    return CloudClassifier.objects.filter(pk=1).first() or CloudClassifier(pk=1)


def active() -> bool:
    row = CloudClassifier.objects.filter(pk=1).only("enabled", "key_enc").first()
    return row is not None and row.enabled and row.has_key


def save(*, enabled: bool, api_key: str = "", api_secret: str = "") -> CloudClassifier:
    """Switch on or off; a typed key and secret replace the saved ones (both or
    neither: the caller checks). Switching on without a key is refused.
    vault.VaultError (e.g. locked) when a new key cannot be sealed."""
    with transaction.atomic():
        row = CloudClassifier.objects.select_for_update().filter(pk=1).first()
        row = row or CloudClassifier(pk=1)
        if api_key and api_secret:
            secret = json.dumps({"api_key": api_key, "api_secret": api_secret}).encode()
            row.key_enc = vault.seal(CloudClassifier.AAD, secret)
            row.saved_at = timezone.now()
        if enabled and not row.has_key:
            raise ValueError(f"Switching {NAME} on needs its API key and secret.")
        row.enabled = enabled
        row.save()
    return row


def forget() -> None:
    """Off, and the sealed key deleted."""
    CloudClassifier.objects.filter(pk=1).delete()


def credentials() -> tuple[str, str]:
    """(api_key, api_secret), opened from the vault. ProviderUnavailable when the
    provider is off, has no key, or the vault cannot open it (the message says
    which, never the key)."""
    row = CloudClassifier.objects.filter(pk=1).first()
    if row is None or not row.has_key:
        raise ProviderUnavailable(f"{NAME} has no API key: add it in Settings.")
    if not row.enabled:
        raise ProviderUnavailable(f"{NAME} is switched off in Settings.")
    try:
        opened = json.loads(vault.open_(CloudClassifier.AAD, row.key_enc))
    except vault.VaultLocked as exc:
        raise ProviderUnavailable(str(exc)) from None
    except (vault.VaultError, ValueError):
        raise ProviderUnavailable(
            f"The saved {NAME} key cannot be opened with this installation's master key:"
            " enter it again in Settings."
        ) from None
    return str(opened.get("api_key", "")), str(opened.get("api_secret", ""))


def provider() -> FaceppProvider:
    """The Face++ provider with the owner's key (audience.vision.provider)."""
    api_key, api_secret = credentials()
    return FaceppProvider(
        api_key,
        api_secret,
        base_url=settings.AUDIENCE_FACEPP_URL,
        timeout=float(settings.AUDIENCE_FACEPP_TIMEOUT),
        interval=float(settings.AUDIENCE_FACEPP_INTERVAL),
    )

"""The cloud picture classifier: Face++ Detect (`POST {base}/facepp/v3/detect`,
multipart: api_key, api_secret, image_file, return_attributes=gender,age,
facequality). docs/audience.md "Picture classifier", docs/decisions.md.

Its answer, mapped to the provider interface (audience.vision):
- exactly one face: gender Male/Female -> male/female, age in years -> the
  ranges; the confidence is the face's quality (`facequality`, 0 to 100, /100),
  so a blurred or tiny face counts as unknown under the minimum confidence;
- no face or several faces (`face_num` != 1): unknown.

Failures: a picture Face++ cannot read (400 IMAGE_ERROR_*, INVALID_IMAGE_SIZE,
413) is one unknown picture (PictureRefused); anything that would fail every
picture (401 a bad key, 403, a 429 or CONCURRENCY_LIMIT_EXCEEDED that lasts,
5xx, no answer) raises vision.ProviderFailed with a message for the owner,
which stops the analysis as "failed". The key and secret travel in the POST
body only: never in a URL, a message or a log line (`_scrub` removes them from
anything Face++ echoes).

Requests are paced: at least AUDIENCE_FACEPP_INTERVAL seconds apart in this
process (the free plan allows about one a second); a refusal for too many
requests waits (Retry-After, else twice the interval, doubling) and tries again.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Final

import httpx

from audience.vision import Classification, ProviderFailed, age_range

PATH: Final = "/facepp/v3/detect"
ATTRIBUTES: Final = "gender,age,facequality"
RATE_TRIES: Final = 4  # one request and three retries after "too many requests"
SERVER_TRIES: Final = 2  # one retry after a 5xx or no answer
MAX_WAIT: Final = 60.0
# Face++'s error_message values that concern one picture, not the key or the service.
PICTURE_ERRORS: Final = (
    "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "INVALID_IMAGE_SIZE",
    "IMAGE_FILE_TOO_LARGE",
    "IMAGE_DOWNLOAD_TIMEOUT",
    "INVALID_IMAGE_URL",
)


class PictureRefused(ValueError):
    """Face++ cannot read this one picture: it counts as unknown."""


class _Pacer:
    """At most one request per `interval` seconds in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, interval: float) -> None:
        with self._lock:
            now = time.monotonic()
            if self._next > now:
                time.sleep(self._next - now)
                now = self._next
            self._next = now + interval


PACER = _Pacer()


class FaceppProvider:
    name = "facepp"
    version = "v3"

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        base_url: str,
        timeout: float,
        interval: float,
        client: httpx.Client | None = None,
    ) -> None:
        if not api_key or not api_secret:
            raise ValueError("Face++ needs both its API key and its API secret.")
        self._key, self._secret = api_key, api_secret
        self.base_url = base_url.rstrip("/")
        self.interval = interval
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._timeout = timeout

    def classify(self, image: bytes) -> Classification:
        return read_detect(self._detect(image))

    def close(self) -> None:
        self._client.close()

    def _scrub(self, text: str) -> str:
        for secret in (self._key, self._secret):
            text = text.replace(secret, "***")
        return text

    def _detect(self, image: bytes) -> dict[str, Any]:
        rate_tries = server_tries = 0
        wait = max(2 * self.interval, 0.01)
        while True:
            PACER.wait(self.interval)
            try:
                answer = self._post(image)
            except httpx.HTTPError as exc:
                server_tries += 1
                if server_tries < SERVER_TRIES:
                    continue
                raise self._unreachable(exc) from None
            status, error = answer.status_code, self._error_of(answer)
            if status == 200:
                return self._body(answer)
            if status == 429 or error.startswith("CONCURRENCY_LIMIT_EXCEEDED"):
                rate_tries += 1
                if rate_tries >= RATE_TRIES:
                    raise self._refusal(status, error)
                time.sleep(min(_retry_after(answer) or wait, MAX_WAIT))
                wait *= 2
                continue
            if status >= 500:
                server_tries += 1
                if server_tries >= SERVER_TRIES:
                    raise self._refusal(status, error)
                time.sleep(min(wait, MAX_WAIT))
                continue
            raise self._refusal(status, error)

    def _post(self, image: bytes) -> httpx.Response:
        """The key and secret in the multipart body, never in the URL."""
        return self._client.post(
            self.base_url + PATH,
            data={
                "api_key": self._key,
                "api_secret": self._secret,
                "return_attributes": ATTRIBUTES,
            },
            files={"image_file": ("picture.jpg", image, "application/octet-stream")},
        )

    def _unreachable(self, exc: httpx.HTTPError) -> ProviderFailed:
        if isinstance(exc, httpx.TimeoutException):
            return ProviderFailed(
                f"Face++ did not answer within {self._timeout:g} s at {self.base_url}."
                " Try again later."
            )
        return ProviderFailed(
            f"igdash cannot reach Face++ at {self.base_url} ({type(exc).__name__}):"
            " check the machine's network and IGDASH_AUDIENCE_FACEPP_URL."
        )

    def _refusal(self, status: int, error: str) -> Exception:
        """What a refusal means: one unreadable picture, or a failed analysis."""
        code = f" {error}" if error else ""
        if status == 413 or (status == 400 and error.startswith(PICTURE_ERRORS)):
            return PictureRefused(f"Face++ cannot read this picture ({status}{code}).")
        if status == 429 or error.startswith("CONCURRENCY_LIMIT_EXCEEDED"):
            return ProviderFailed(
                f"Face++ kept refusing: too many requests ({status}{code}). Its free plan"
                " allows about one picture a second; try again later, or raise"
                " IGDASH_AUDIENCE_FACEPP_INTERVAL."
            )
        if status >= 500:
            return ProviderFailed(
                f"Face++ answered {status}{code}: its service has a problem. Try again later."
            )
        if status == 401:
            return ProviderFailed(
                f"Face++ refused the API key and secret (401{code}): check them in Settings,"
                " Audience picture classifier."
            )
        if status == 403:
            return ProviderFailed(
                f"Face++ refused the request (403{code}): the key may not allow Detect, or"
                " the account's balance is used up."
            )
        return ProviderFailed(
            f"Face++ answered {status}{code} at {self.base_url}: check IGDASH_AUDIENCE_FACEPP_URL."
        )

    def _error_of(self, answer: httpx.Response) -> str:
        """Face++'s error_message (e.g. "AUTHENTICATION_ERROR"), short and scrubbed."""
        if answer.status_code == 200:
            return ""
        try:
            body = answer.json()
        except ValueError:
            return ""
        error = body.get("error_message") if isinstance(body, dict) else None
        return self._scrub(str(error))[:80] if error else ""

    def _body(self, answer: httpx.Response) -> dict[str, Any]:
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("faces"), list):
            raise ProviderFailed(
                f"The answer at {self.base_url} is not Face++'s (no list of faces):"
                " check IGDASH_AUDIENCE_FACEPP_URL."
            )
        return body


def _retry_after(answer: httpx.Response) -> float:
    try:
        return max(0.0, float(answer.headers.get("Retry-After", "")))
    except ValueError:
        return 0.0


def read_detect(body: dict[str, Any]) -> Classification:
    """One face only; its gender, age range and quality as the confidence."""
    faces = body.get("faces") or []
    try:
        count = max(len(faces), int(body.get("face_num", len(faces))))
    except (TypeError, ValueError):
        count = len(faces)
    if count != 1 or not isinstance(faces[0], dict):
        return Classification(False, "unknown", "unknown", 0.0)
    attributes = faces[0].get("attributes") or {}
    gender = str((attributes.get("gender") or {}).get("value") or "").lower()
    years = _number((attributes.get("age") or {}).get("value"), -1.0)
    # No quality given: nothing says the face is clear enough.
    quality = _number((attributes.get("facequality") or {}).get("value"), 0.0) / 100
    return Classification(
        True,
        gender if gender in ("female", "male") else "unknown",
        age_range(years) if years >= 0 else "unknown",
        max(0.0, min(quality, 1.0)),
    )


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number == number else default  # NaN is no number

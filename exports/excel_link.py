""" "Open in Excel": Excel fetches the file itself through its ms-excel: protocol
handler, without the browser's login cookie, so it gets a signed, short-lived
URL that stands for one export (list, point in time, search) and nothing else.

A token made before its fields had these names (one-letter keys) is refused
like an expired one (the owner's login is asked for): tokens live five minutes
and Excel fetches them within seconds of the click, so none needs to outlive an
upgrade."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core import signing
from django.http import HttpResponseRedirect

SALT = "igdash.exports.open-in-excel"
MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class ExcelLink:
    """The export a signed Excel URL stands for."""

    handle: str
    list_name: str
    at: str | None  # a scrape id, or None for the newest
    search: str

    def sign(self) -> str:
        return signing.dumps(asdict(self), salt=SALT)

    @classmethod
    def load(cls, token: str) -> ExcelLink:
        """The export the token stands for; signing.BadSignature (SignatureExpired
        included) when it was altered, is older than MAX_AGE_SECONDS or is not
        an ExcelLink's."""
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
        try:
            return cls(
                handle=str(data["handle"]),
                list_name=str(data["list_name"]),
                at=None if data["at"] is None else str(data["at"]),
                search=str(data["search"]),
            )
        except (KeyError, TypeError) as exc:
            raise signing.BadSignature("not an Excel link") from exc


class ExcelRedirect(HttpResponseRedirect):
    allowed_schemes = ["ms-excel"]


def open_in_excel(file_url: str) -> ExcelRedirect:
    target = f"ms-excel:ofe|u|{file_url}"
    response = ExcelRedirect(target)
    response["Location"] = target  # Excel wants the bars as they are, not as %7C
    return response

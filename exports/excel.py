""" "Open in Excel": Excel fetches the file itself through its ms-excel: protocol
handler, without the browser's login cookie, so it gets a signed, short-lived
URL that stands for one export (list, point in time, search) and nothing else."""

from __future__ import annotations

from django.core import signing
from django.http import HttpResponseRedirect

SALT = "igdash.exports.open-in-excel"
MAX_AGE_SECONDS = 300


class ExcelRedirect(HttpResponseRedirect):
    allowed_schemes = ["ms-excel"]


def sign(handle: str, list_name: str, at: str | None, search: str) -> str:
    return signing.dumps({"h": handle, "l": list_name, "a": at or "", "q": search}, salt=SALT)


def load(token: str) -> dict[str, str]:
    """The export the token stands for; signing.BadSignature (SignatureExpired
    included) when it was altered or is older than MAX_AGE_SECONDS."""
    return signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)


def open_in_excel(file_url: str) -> ExcelRedirect:
    target = f"ms-excel:ofe|u|{file_url}"
    response = ExcelRedirect(target)
    response["Location"] = target  # Excel wants the bars as they are, not as %7C
    return response

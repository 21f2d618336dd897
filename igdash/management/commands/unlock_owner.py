"""`igdash unlock_owner`: lift every login lockout at once.

The way back for an owner who mistyped the password too often: whoever can run
commands on the machine that runs igdash is its owner. It forgets every failed
attempt (logins and vault passphrases), the same as django-axes' `axes_reset`,
under a name the lockout page can tell the owner.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from igdash import login_throttle


class Command(BaseCommand):
    help = "Lift every login lockout (forget all failed login attempts)."

    def handle(self, *args: Any, **options: Any) -> None:
        cleared = login_throttle.unlock_everyone()
        self.stdout.write(
            f"Forgot {cleared} failed-attempt record{'s' if cleared != 1 else ''}; "
            "every address and user name may log in again."
        )

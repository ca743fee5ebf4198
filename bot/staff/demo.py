"""The demo staff logins of the local demo (``make run``): the one place their passwords are
written. README.md publishes them, so they open nothing in production: a production gateway
refuses to start with an account whose password is one of them, whatever its login, and keeps
such an account out when the agents file is re-read (:mod:`bot.staff.people`).

The demo accounts live in ``agents.demo.yml``, beside the operator's own ``agents.yml`` (not in
git) and outside every folder the gateway's image copies, so no image can carry them.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.config import ROOT

DEMO_FILE = ROOT / "agents.demo.yml"
# login: password, as README.md's "Agent console", "Trainer workbench" and "Shop dashboard" document them
DEMO_PASSWORDS = {"demo": "xiaoer-demo", "ajie": "xiaoer-demo2", "trainer": "xiaoer-trainer",
                  "manager": "xiaoer-manager"}
_verifier = PasswordHasher()


def is_demo_password(password: str) -> bool:
    return password in DEMO_PASSWORDS.values()


@lru_cache(maxsize=4096)
def demo_login_of(password_hash: str) -> str | None:
    """The demo login whose published password this hash accepts, else None.

    Each check is argon2 work (tens of milliseconds per demo password), so the answer is kept
    per hash: a re-read agents file costs only its new or changed hashes."""
    for login, password in DEMO_PASSWORDS.items():
        try:
            _verifier.verify(password_hash, password)
        except VerifyMismatchError:
            continue
        except (VerificationError, InvalidHashError):
            return None  # a hash no password opens
        return login
    return None

"""Human agents and their passwords, from a YAML file (argon2 hashes, never plain text).

``agents.yml`` (the operator's file, not in git; ``make run`` uses the demo logins of
``agents.demo.yml`` when there is none, see :mod:`bot.staff.demo`)::

    agents:
      - login: demo
        name: 小美
        password_hash: $argon2id$v=19$m=65536,t=3,p=4$...
        roles: [agent, trainer]     # optional; without it the person is an agent

Roles: ``agent`` signs in to the console at /agent, ``trainer`` to the workbench at
/trainer, ``manager`` to the shop's dashboard at /dashboard; one person may have several.

Add an agent or change a password (asks for the password twice)::

    .venv/bin/python -m bot.staff.people add LOGIN --name 小美 [--file agents.yml]
    .venv/bin/python -m bot.staff.people list [--file agents.yml]     # who may sign in

The gateway reads the file again when it changes (its modification time, size or inode,
looked at on each staff request): a person removed from it, or who lost a role, is signed
out at their next request, and a new password ends the sessions of the old one (see
:attr:`Agent.stamp`). No restart is needed. A file that cannot be read then lets nobody in
until it is fixed.

In production (XIAOER_ENV=production) the file must exist and name someone, and no account may
have one of the demo passwords README.md publishes: the start stops with the reason, and a
re-read file that brings one keeps that account out (and logs why).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.config import ROOT
from bot.staff.demo import DEMO_PASSWORDS, demo_login_of, is_demo_password

log = logging.getLogger(__name__)
DEFAULT_FILE = ROOT / "agents.yml"
LOGIN = re.compile(r"[a-z0-9_.-]{2,32}\Z")
MIN_PASSWORD = 8
ROLES = ("agent", "trainer", "manager")
DEFAULT_ROLES = ("agent",)
_hasher = PasswordHasher()
# Verified when the login is unknown, so a wrong login takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AgentConfigError(ValueError):
    """agents.yml cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Agent:
    login: str
    name: str
    password_hash: str = ""
    roles: tuple[str, ...] = DEFAULT_ROLES

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def public(self) -> dict[str, str]:
        return {"login": self.login, "name": self.name}

    @property
    def stamp(self) -> str:
        """A fingerprint of the password hash (which has its own salt): kept in a session at
        sign-in, it no longer matches once the password is changed or the person is added anew."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def agents_file() -> Path:
    return Path(os.environ.get("XIAOER_AGENTS_FILE") or DEFAULT_FILE)


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise AgentConfigError(f"{path}: not valid YAML ({exc})") from exc
    entries = data.get("agents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise AgentConfigError(f"{path}: expected a list under 'agents:'")
    return entries


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is written or replaced (None: no file)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _parse(path: Path) -> list[Agent]:
    agents = []
    for number, entry in enumerate(_read(path), 1):
        where = f"{path}: agent {number}"
        if not isinstance(entry, dict):
            raise AgentConfigError(f"{where}: expected login, name and password_hash")
        login, name, hashed = entry.get("login"), entry.get("name"), entry.get("password_hash")
        if not isinstance(login, str) or not LOGIN.match(login):
            raise AgentConfigError(f"{where}: login must be 2-32 lower-case letters, digits, '.', '_' or '-'")
        if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
            raise AgentConfigError(f"{where} ({login}): password_hash must be an argon2 hash (python -m bot.staff.people add)")
        roles = entry.get("roles", list(DEFAULT_ROLES))
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            raise AgentConfigError(f"{where} ({login}): roles must be a list of {', '.join(ROLES)}")
        agents.append(Agent(login, str(name or login), hashed, tuple(dict.fromkeys(roles))))
    return agents


def _refuse_for_production(path: Path, agents: list[Agent]) -> None:
    """A production gateway needs people of its own: not none, and none with a published password."""
    if not agents:
        raise AgentConfigError(
            f"{path}: XIAOER_ENV=production needs this staff accounts file (XIAOER_AGENTS_FILE) with someone in it, "
            f"and it is {'empty' if path.is_file() else 'missing'}. Create it with: "
            f"python -m bot.staff.people add LOGIN --name NAME --file {path}")
    demo = [agent.login for agent in agents if demo_login_of(agent.password_hash)]
    if demo:
        raise AgentConfigError(
            f"{path}: {', '.join(demo)} {'has' if len(demo) == 1 else 'have'} a demo password published in "
            "README.md, which XIAOER_ENV=production refuses. Give each a password of its own with: "
            "python -m bot.staff.people add LOGIN")


class AgentDirectory:
    """Everyone who may sign in. Loaded from a file, it follows the file's changes
    (:meth:`refresh`); made from a list (tests), it stays as it is. In production it never
    lets in an account with a demo password."""

    def __init__(self, agents: list[Agent], path: Path | None = None, production: bool = False) -> None:
        self.path = path
        self.production = production
        self._agents = {a.login: a for a in self._admitted(agents)}
        self._seen = _signature(path) if path else None

    @classmethod
    def load(cls, path: str | Path | None = None, production: bool = False) -> "AgentDirectory":
        """The file's people; a broken file raises :class:`AgentConfigError` (the start stops),
        and so does, in production, a missing or empty file or an account with a demo password."""
        path = Path(path) if path else agents_file()
        seen = _signature(path)
        if production and not path.is_file():  # e.g. a directory docker made for a missing mount
            _refuse_for_production(path, [])
        agents = _parse(path)
        if production:
            _refuse_for_production(path, agents)
        directory = cls(agents, path, production)
        directory._seen = seen
        return directory

    def _admitted(self, agents: list[Agent]) -> list[Agent]:
        """In production, everyone but the accounts with a demo password (each logged)."""
        if not self.production:
            return agents
        kept = []
        for agent in agents:
            if demo_login_of(agent.password_hash):
                log.error("%s: %s has a demo password published in README.md, so it may not sign in until it "
                          "gets its own (python -m bot.staff.people add %s)", self.path, agent.login, agent.login)
            else:
                kept.append(agent)
        return kept

    def refresh(self) -> None:
        """Read the file again if it changed since it was last read: cheap (one stat) when not."""
        if self.path is None:
            return
        seen = _signature(self.path)
        if seen == self._seen:
            return
        try:
            agents = _parse(self.path)
        except (AgentConfigError, OSError, UnicodeDecodeError) as exc:
            # nobody, rather than people who may have been removed, until the file is fixed
            log.error("%s cannot be read (%s): nobody can sign in until it is fixed", self.path, exc)
            agents = []
        agents = self._admitted(agents)
        self._agents = {a.login: a for a in agents}
        self._seen = seen
        log.info("%s changed: %d people may sign in", self.path, len(agents))

    def with_role(self, role: str) -> "AgentDirectory":
        """Only the people who have this role (the console uses its agents, the workbench its trainers)."""
        return AgentDirectory([a for a in self._agents.values() if a.has_role(role)])

    def __len__(self) -> int:
        return len(self._agents)

    def get(self, login: str | None) -> Agent | None:
        return self._agents.get(login or "")

    def verify(self, login: str, password: str) -> Agent | None:
        """The agent when the password is right, else None (same work either way)."""
        agent = self._agents.get(login)
        try:
            _hasher.verify(agent.password_hash if agent else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return agent


def add_agent(path: Path, login: str, name: str, password: str, roles: list[str] | None = None) -> None:
    """Add the agent, or give an existing one a new name and password (and roles, when given)."""
    if not LOGIN.match(login):
        raise AgentConfigError("login must be 2-32 lower-case letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD:
        raise AgentConfigError(f"the password needs at least {MIN_PASSWORD} characters")
    if is_demo_password(password):
        raise AgentConfigError("that is a demo password published in README.md; choose one of your own")
    if roles is not None and (not roles or any(r not in ROLES for r in roles)):
        raise AgentConfigError(f"roles must be some of {', '.join(ROLES)}")
    old = [e for e in _read(path) if isinstance(e, dict) and e.get("login") == login]
    entries = [e for e in _read(path) if not (isinstance(e, dict) and e.get("login") == login)]
    entry = {"login": login, "name": name, "password_hash": hash_password(password)}
    kept_roles = roles if roles is not None else (old[0].get("roles") if old else None)
    if kept_roles:
        entry["roles"] = list(dict.fromkeys(kept_roles))
    entries.append(entry)
    header = "# People of the console at /agent, the workbench at /trainer and the dashboard at /dashboard.\n" \
             "# Passwords are argon2 hashes; roles: agent (the default), trainer, manager. Add one with\n" \
             "#   .venv/bin/python -m bot.staff.people add LOGIN --name NAME [--role agent --role trainer]\n"
    body = yaml.safe_dump({"agents": entries}, allow_unicode=True, sort_keys=False)
    # written aside and renamed over it, so a gateway reading it meanwhile never sees half a file
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(header + body, encoding="utf-8")
    os.replace(partial, path)


def describe(path: Path) -> list[str]:
    """Who may sign in with this file, one line each; a demo account shows its published password."""
    lines = []
    for agent in _parse(path):
        demo = demo_login_of(agent.password_hash)
        note = f"   password {DEMO_PASSWORDS[demo]} (a demo login: refused in production)" if demo else ""
        lines.append(f"  {agent.login:<12} {agent.name} ({', '.join(agent.roles)}){note}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff.people", description="Manage the console's agents.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="who may sign in, with their roles")
    listing.add_argument("--file", type=Path, default=None, help="agents file (default: XIAOER_AGENTS_FILE or agents.yml)")
    add = commands.add_parser("add", help="add an agent or set a new password")
    add.add_argument("login")
    add.add_argument("--name", help="the name buyers see, e.g. 小美")
    add.add_argument("--file", type=Path, default=None, help="agents file (default: XIAOER_AGENTS_FILE or agents.yml)")
    add.add_argument("--role", action="append", choices=ROLES, dest="roles",
                     help="agent and/or trainer (repeat for both; default: keep, or agent)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    path = args.file or agents_file()
    if args.command == "list":
        try:
            lines = describe(path)
        except AgentConfigError as exc:
            print(exc, file=sys.stderr)
            return 1
        print("\n".join(lines) if lines else f"  nobody: {path} is missing or empty (python -m bot.staff.people add)")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ; nothing was changed.", file=sys.stderr)
            return 1
    try:
        add_agent(path, args.login, args.name or args.login, password, args.roles)
    except AgentConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.login} can now sign in ({path}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

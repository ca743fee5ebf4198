"""The reply-script corpus (话术): YAML files under scripts_zh/, edited by trainers.

Every script has an id (the Rasa response name, e.g. ``utter_greet``), one or more
variants, optional quick-reply buttons and the buyer questions it answers::

    utter_greet:
      questions: [在吗, 你好]
      variants:
        - 您好，欢迎光临{shop_name}！想看看哪件宝贝？
      buttons:
        - {title: 尺码推荐, payload: 帮我推荐尺码}

Placeholders are plain ``{name}`` fields filled from the action's arguments, then the
conversation's slots, then shop-wide values. Nothing else is interpreted: no attribute
access, no indexing, no format specs, so no script can run code. ``{{`` and ``}}`` are
literal braces.

The corpus re-reads a file when its modification time or size changes (checked at most
once per ``check_interval`` seconds), so an edit is live without a restart. A file that
fails to load keeps its last good version and its error is reported.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

log = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
PLACEHOLDER_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
SCRIPT_ID = re.compile(r"[a-z][a-z0-9_]*\Z")


class ScriptError(ValueError):
    """A script file that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class Script:
    id: str
    variants: tuple[str, ...]
    questions: tuple[str, ...] = ()
    buttons: tuple[dict[str, str], ...] = ()
    file: str = ""


@dataclass(frozen=True)
class Rendered:
    script_id: str
    variant: int
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def placeholders(text: str) -> list[str]:
    """The placeholder names a variant uses, in order (``{{`` and ``}}`` excluded)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1) is not None]


def check_variant(text: str) -> str | None:
    """Why a variant is malformed, or None. Catches ``{ size}``, ``{0}``, a lone brace."""
    for name in placeholders(text):
        if not PLACEHOLDER_NAME.match(name):
            return f"placeholder {{{name}}} is not a plain name (letters, digits, _)"
    leftover = PLACEHOLDER.sub("", text)
    if "{" in leftover or "}" in leftover:
        return "unmatched brace: write {{ or }} for a literal brace"
    return None


def fill(text: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` fields from values; a missing name raises KeyError."""

    def substitute(match: re.Match[str]) -> str:
        whole, name = match.group(0), match.group(1)
        if name is None:
            return whole[0]
        value = values[name]
        if value is None:
            raise KeyError(name)
        return str(value)

    return PLACEHOLDER.sub(substitute, text)


def parse_script_file(path: Path) -> dict[str, Script]:
    """Read one YAML file of scripts. Raises ScriptError naming the file and problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScriptError(f"{path.name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path.name}: cannot be read ({exc})")
    if not isinstance(data, dict):
        raise ScriptError(f"{path.name}: expected script ids at the top level")
    scripts = {}
    for script_id, body in data.items():
        scripts[script_id] = _parse_script(path.name, script_id, body)
    return scripts


def _parse_script(file: str, script_id: Any, body: Any) -> Script:
    where = f"{file}: {script_id}"
    if not isinstance(script_id, str) or not SCRIPT_ID.match(script_id):
        raise ScriptError(f"{where}: a script id is lower-case letters, digits and _")
    if isinstance(body, str):
        body = {"variants": [body]}
    if not isinstance(body, dict):
        raise ScriptError(f"{where}: expected variants, questions and buttons")
    variants = body.get("variants")
    if isinstance(variants, str):
        variants = [variants]
    if not variants or not all(isinstance(v, str) and v.strip() for v in variants):
        raise ScriptError(f"{where}: needs at least one non-empty variant")
    for number, text in enumerate(variants, 1):
        problem = check_variant(text)
        if problem:
            raise ScriptError(f"{where}: variant {number}: {problem}")
    questions = body.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise ScriptError(f"{where}: questions must be a list of buyer questions")
    buttons = body.get("buttons") or []
    if not isinstance(buttons, list) or not all(
        isinstance(b, dict) and isinstance(b.get("title"), str) for b in buttons
    ):
        raise ScriptError(f"{where}: each button needs a title (and a payload)")
    return Script(
        id=script_id,
        variants=tuple(v.strip() for v in variants),
        questions=tuple(questions),
        buttons=tuple(
            {"title": b["title"], "payload": str(b.get("payload") or b["title"])}
            for b in buttons
        ),
        file=file,
    )


class ScriptCorpus:
    """All scripts of a folder, reloaded when a file changes."""

    def __init__(
        self,
        folder: str | Path,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder)
        self.check_interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._files: dict[str, tuple[tuple[int, int], dict[str, Script]]] = {}
        self._scripts: dict[str, Script] = {}
        self.errors: dict[str, str] = {}
        self.version = 0  # goes up each time the scripts change, for caches built on them
        self._checked_at: float | None = None
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        now = self._clock()
        if not force and self._checked_at is not None and now - self._checked_at < self.check_interval:
            return
        with self._lock:
            self._checked_at = now
            self._reload_changed_files()

    def _reload_changed_files(self) -> None:
        seen: dict[str, tuple[int, int]] = {}
        for path in sorted(self.folder.glob("*.yml")):
            try:
                stat = path.stat()
            except OSError:
                continue
            seen[path.name] = (stat.st_mtime_ns, stat.st_size)
        changed = seen.keys() ^ self._files.keys() or any(
            self._files[name][0] != signature for name, signature in seen.items()
        )
        if not changed:
            return
        files = {}
        for name, signature in seen.items():
            if name in self._files and self._files[name][0] == signature:
                files[name] = self._files[name]
                continue
            try:
                files[name] = (signature, parse_script_file(self.folder / name))
                self.errors.pop(name, None)
            except ScriptError as exc:
                log.error("script file not loaded, keeping its last good version: %s", exc)
                self.errors[name] = str(exc)
                if name in self._files:  # keep serving what worked before the edit
                    files[name] = (signature, self._files[name][1])
        for name in list(self.errors):
            if name not in seen:
                del self.errors[name]
        scripts: dict[str, Script] = {}
        for name, (_, file_scripts) in sorted(files.items()):
            for script_id, script in file_scripts.items():
                if script_id in scripts:
                    self.errors[name] = f"{name}: {script_id} is also defined in {scripts[script_id].file}"
                    continue
                scripts[script_id] = script
        self._files, self._scripts = files, scripts
        self.version += 1

    def get(self, script_id: str) -> Script | None:
        self.refresh()
        return self._scripts.get(script_id)

    def all(self) -> dict[str, Script]:
        self.refresh()
        return dict(self._scripts)

    def render(
        self,
        script_id: str,
        values: Mapping[str, Any],
        avoid_variant: int | None = None,
        rng: random.Random | None = None,
        used: Sequence[int] = (),
    ) -> Rendered | None:
        """Fill one variant of a script, or None when the script does not exist.

        Variants whose placeholders cannot all be filled are skipped. A variant this
        conversation has already heard (``used``, oldest first; or just ``avoid_variant``)
        is not used again while another one fits; when every fitting variant has been
        heard, any but the last one will do. When no variant fits, the error is logged and
        None returned, so the caller answers with its fallback instead of a half-filled reply.
        """
        script = self.get(script_id)
        if script is None:
            return None
        filled = []
        for index, text in enumerate(script.variants):
            try:
                filled.append((index, fill(text, values)))
            except KeyError as missing:
                log.warning("%s variant %d: no value for {%s}", script_id, index + 1, missing.args[0])
        if not filled:
            return None
        heard = list(used) + ([avoid_variant] if avoid_variant is not None else [])
        fresh = [pair for pair in filled if pair[0] not in heard]
        if not fresh:
            fresh = [pair for pair in filled if not heard or pair[0] != heard[-1]] or filled
        index, text = (rng or random).choice(fresh)
        return Rendered(script_id, index, text, [dict(b) for b in script.buttons])

"""YAML that remembers line numbers, and the checking helpers the builders use, so
every problem names its file and line."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Iterable

import yaml

from xiaoer.shop.model import (
    ConfigProblem,
)

# --------------------------------------------------------------------------- YAML with lines


class LineMap(dict):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int = 1
    key_lines: dict


class LineSeq(list):
    """A YAML list that remembers its line and the line of each entry (1-based)."""

    line: int = 1
    item_lines: list


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and reads 09:00 / 23:00 as text (YAML 1.1
    would read an unquoted 23:00 as the base-60 number 1380)."""


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    _INT_TAG,
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_LineLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    first_seen: dict = {}
    for key_node, _ in node.value:  # duplicates among the keys written here
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word, not a list or group",
                key_node.start_mark,
            )
        if key in first_seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"'{key}' is written twice (first on line {first_seen[key]}); keep one",
                key_node.start_mark,
            )
        first_seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> LineSeq:
    result = LineSeq()
    result.line = node.start_mark.line + 1
    result.item_lines = []
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.item_lines.append(child.start_mark.line + 1)
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# --------------------------------------------------------------------------- checking helpers

_MISSING = object()


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {num(value)}"
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of settings"
    return type(value).__name__


def word(value: Any) -> str | None:
    """A size or similar label: 28 and "28" alike; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return num(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def num(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*$")
_RANGE_RE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(?:-|~|～|至|到|—|–|－)\s*(\d+(?:\.\d+)?)\s*$"
)


class CheckedFile:
    """Problems found in one file."""

    def __init__(self, label: str, problems: list[ConfigProblem]):
        self.label = label
        self.problems = problems
        self.count_at_start = len(problems)

    def error(self, line: int | None, message: str) -> None:
        self.problems.append(ConfigProblem(self.label, line, message))

    @property
    def ok(self) -> bool:
        return len(self.problems) == self.count_at_start


class Section:
    """A mapping in a shop file, read with checks. Getters report a problem and
    return None when a value is missing or wrong."""

    def __init__(self, file: CheckedFile, data: LineMap, where: str = "", known: Iterable[str] | None = None):
        self.file = file
        self.data = data
        self.where = where
        if known is not None:
            self._check_unknown(tuple(known))

    def _check_unknown(self, known: tuple[str, ...]) -> None:
        for key in self.data:
            if key in known:
                continue
            hint = difflib.get_close_matches(str(key), known, n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})"
            self.error(key, f"unknown setting '{key}'{also}")

    def line(self, key: Any = None) -> int:
        if key is not None and key in self.data.key_lines:
            return self.data.key_lines[key]
        return self.data.line

    def error(self, key: Any, message: str) -> None:
        self.file.error(self.line(key), self.where + message)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def _raw(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                if key in self.data:
                    self.error(key, f"'{key}' is empty")
                else:
                    self.error(None, f"missing '{key}'")
            return _MISSING
        return value

    def text(self, key: str, required: bool = True, default: str | None = None) -> str | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default if not required else None
        if not isinstance(value, str):
            self.error(key, f"'{key}' should be text, not {describe(value)}")
            return None
        return value.strip()

    def choice(self, key: str, options: tuple[str, ...], required: bool = True, default: str | None = None) -> str | None:
        value = self.text(key, required, default)
        if value is not None and value not in options:
            self.error(key, f"'{key}' is \"{value}\"; it must be one of: {', '.join(options)}")
            return None
        return value

    def number(
        self, key: str, *, required: bool = True, default: float | None = None,
        whole: bool = False, minimum: float | None = None, above: float | None = None,
    ) -> float | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default if not required else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a whole number" if whole else "a number"
            self.error(key, f"'{key}' should be {kind}, not {describe(value)}")
            return None
        if whole and not float(value).is_integer():
            self.error(key, f"'{key}' should be a whole number, not {num(value)}")
            return None
        if whole:
            value = int(value)
        if minimum is not None and value < minimum:
            self.error(key, f"'{key}' is {num(value)}; it must be at least {num(minimum)}")
            return None
        if above is not None and value <= above:
            self.error(key, f"'{key}' is {num(value)}; it must be more than {num(above)}")
            return None
        return value

    def boolean(self, key: str, required: bool = True, default: bool | None = None) -> bool | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default if not required else None
        if not isinstance(value, bool):
            self.error(key, f"'{key}' should be true or false, not {describe(value)}")
            return None
        return value

    def time(self, key: str) -> dt.time | None:
        value = self._raw(key, True)
        if value is _MISSING:
            return None
        match = _TIME_RE.match(value) if isinstance(value, str) else None
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return dt.time(int(match[1]), int(match[2]))
        self.error(key, f"'{key}' should be a time written as \"HH:MM\" (like \"09:00\"), not {describe(value)}")
        return None

    def range(self, key: str, whole: bool = False) -> tuple[float, float] | None:
        """A range written ``150-157`` (or ``[150, 157]``; one number means low = high)."""
        value = self._raw(key, True)
        if value is _MISSING:
            return None
        low = high = None
        if isinstance(value, str):
            match = _RANGE_RE.match(value)
            if match:
                low, high = float(match[1]), float(match[2])
        elif isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            low, high = float(value[0]), float(value[1])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            low = high = float(value)
        if low is None:
            self.error(key, f"'{key}' should be a range like 150-157, not {describe(value)}")
            return None
        if whole and not (low.is_integer() and high.is_integer()):
            self.error(key, f"'{key}' should use whole numbers, not {value}")
            return None
        if low > high:
            self.error(key, f"'{key}' range {num(low)}-{num(high)} is backwards; write the smaller number first")
            return None
        if low <= 0:
            self.error(key, f"'{key}' range must be above 0")
            return None
        if whole or (low.is_integer() and high.is_integer()):
            return int(low), int(high)
        return low, high

    def seq(self, key: str, required: bool = True, allow_empty: bool = True) -> LineSeq | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, str):  # a single entry written without brackets
            seq = LineSeq([value])
            seq.line, seq.item_lines = self.line(key), [self.line(key)]
            value = seq
        if not isinstance(value, list):
            self.error(key, f"'{key}' should be a list, not {describe(value)}")
            return None
        if not value and not allow_empty:
            self.error(key, f"'{key}' is empty; list at least one")
            return None
        return value

    def texts(self, key: str, required: bool = True, allow_empty: bool = True, words: bool = False) -> tuple[str, ...] | None:
        """A list of text. ``words``: numbers are taken as text too (sizes like 110)."""
        seq = self.seq(key, required, allow_empty)
        if seq is None:
            return None if required else ()
        out = []
        for value, line in zip(seq, seq.item_lines):
            if words and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = num(value)
            if not isinstance(value, str) or not value.strip():
                self.file.error(line, f"{self.where}'{key}' entries should be text, not {describe(value)}")
                return None
            out.append(value.strip())
        return tuple(out)

    def section(self, key: str, known: Iterable[str] | None, where: str | None = None, required: bool = True) -> Section | None:
        """A nested group of settings; ``known=None`` for free-form keys (sizes, names)."""
        value = self._raw(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.error(key, f"'{key}' should be a group of settings (key: value lines), not {describe(value)}")
            return None
        return Section(self.file, value, self.where if where is None else where, known)


_SYNTAX_HINTS = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "often a missing ':' on the line before, or a value containing ': ' that needs quotes"),
    ("could not find expected ':'", "a line is missing its ':' after the key"),
    ("expected <block end>", "check this line's indentation against the lines above"),
    ("found undefined alias", "'*' starts an alias in YAML; put the text in quotes"),
    ("found character '@'", "put text starting with @ or ` in quotes"),
)


def _syntax_hint(message: str) -> str:
    return "".join(f"; {hint}" for needle, hint in _SYNTAX_HINTS if needle in message)


def read_yaml(path: str, label: str, problems: list[ConfigProblem]) -> LineMap | None:
    file = CheckedFile(label, problems)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        file.error(None, "file not found; every shop needs it")
        return None
    except OSError as exc:
        file.error(None, f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        file.error(line, "is not UTF-8 text; save the file as UTF-8")
        return None
    loader = None
    try:
        loader = _LineLoader(text)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        prefix = "" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error: "
        message = f"{prefix}{exc.problem or exc.context}"
        if exc.context and exc.problem:
            context_line = exc.context_mark.line + 1 if exc.context_mark else None
            where = f" on line {context_line}" if context_line and mark and context_line != mark.line + 1 else ""
            message += f" ({exc.context}{where})"
        message += _syntax_hint(message)
        file.error(mark.line + 1 if mark else None, message)
        return None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        file.error(line, f"YAML syntax error: {exc.reason} (character #x{exc.character:04x})")
        return None
    except yaml.YAMLError as exc:
        file.error(None, f"YAML syntax error: {exc}")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        file.error(1, "file is empty")
        return None
    if not isinstance(data, LineMap):
        file.error(getattr(data, "line", 1), f"the file should be key: value settings, not {describe(data)}")
        return None
    return data



"""What the linter finds: problems, and who sends which script with which values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xiaoer.scripts import Script

# --- What fills placeholders, and who sends scripts. -----------------------------------

# Shop-wide values the gateway passes to every script (bot/app.py, NlgRenderer). Keys
# of a dict literal given to NlgRenderer(...) in bot/ are added to these.
SHOP_VALUES = ("shop_name",)
# Responses Rasa's own default actions send (action_default_fallback, ..._ask_rephrase).
RASA_DEFAULT_RESPONSES = ("utter_default", "utter_ask_rephrase")
# Keyword parameters of utter_message that are not placeholder values.
UTTER_MESSAGE_PARAMS = frozenset(
    {"text", "image", "json_message", "template", "response", "attachment", "buttons", "elements"}
)

RESPONSE_ID = re.compile(r"utter_[a-z0-9_]*[a-z0-9]\Z")
MARKER = re.compile(r"#\s*script-values:\s*(utter_[a-z0-9_]*[a-z0-9])\s*:?\s*([a-z0-9_,\s]*)")

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    script_id: str | None
    variant: int | None  # 1-based, as trainers count; None when it is the whole script
    message: str
    severity: str = ERROR

    def describe(self, file: str | None = None) -> str:
        where = file if file is not None else self.file
        if self.script_id:
            where += f": {self.script_id}"
            if self.variant is not None:
                where += f", variant {self.variant}"
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Use:
    """One place that sends a script, and the values it passes (None: cannot tell)."""

    where: str
    supplies: frozenset[str] | None


@dataclass(frozen=True)
class Reference:
    """A place that names a reply which must therefore exist."""

    file: str
    script_id: str
    how: str  # completes "… but no script defines it", e.g. "sent by this action (line 4)"


@dataclass
class Corpus:
    scripts: dict[str, Script] = field(default_factory=dict)  # first definition wins, as in the gateway
    paths: dict[str, str] = field(default_factory=dict)  # script id -> file it is defined in
    order: list[str] = field(default_factory=list)
    also_defined: set[str] = field(default_factory=set)  # ids in files that did not load
    unreadable: list[str] = field(default_factory=list)  # files whose ids cannot be told


@dataclass
class Findings:
    """Everything the domain, the code and the stories say about scripts."""

    slots: set[str] = field(default_factory=set)
    shop_values: set[str] = field(default_factory=lambda: set(SHOP_VALUES))
    listed: set[str] = field(default_factory=set)  # utter_* under the domain's actions:
    uses: dict[str, list[Use]] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)  # f"utter_ask_{slot}": any script starting so
    references: list[Reference] = field(default_factory=list)

    def use(self, script_id: str, where: str, supplies: frozenset[str] | None) -> None:
        self.uses.setdefault(script_id, []).append(Use(where, supplies))

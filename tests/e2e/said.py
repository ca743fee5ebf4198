"""Which script a live reply came from (the gateway sends text only)."""

from __future__ import annotations

import re

from xiaoer.scripts import ScriptCorpus


def said_by(bot, script_id: str, text: str) -> bool:
    """Whether text is one of the script's variants, whatever fills its placeholders."""
    script = ScriptCorpus(bot.scripts_dir).get(script_id)
    assert script is not None, script_id
    for variant in script.variants:
        parts = re.split(r"(\{[a-z_][a-z0-9_]*\})", variant.replace("{{", "{").replace("}}", "}"))
        pattern = "".join(".*?" if re.fullmatch(r"\{[a-z_][a-z0-9_]*\}", p) else re.escape(p) for p in parts)
        if re.fullmatch(pattern, text, re.S):
            return True
    return False

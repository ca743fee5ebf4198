"""Check the reply-script corpus (scripts_zh/) before it ships: ``make lint-scripts``.

Trainers read the output, so every problem is one line: the file, the script id, the
variant number, and what is wrong in plain words. Errors (exit status 1):

- a file that does not load (the gateway would keep serving its last good version);
- the same script id defined twice (in two files, or twice in one file);
- a ``{placeholder}`` that nothing fills in: not a slot of the domain, not a shop-wide
  value, and not passed by every place that sends the script;
- a banned phrase (the shop's tone rules, seed 001), see ``BANNED_PHRASES``;
- 亲 in more than half of a script's variants (not 亲 in every line);
- a script nothing sends: not listed under the domain's ``actions:``, not sent by an
  action, not asked by a form, not named by a rule or story, not rendered by the gateway;
- a reply the domain, an action, the gateway or a rule names that no script defines.

Warnings (printed, not failing): two identical variants in one script, a script file the
gateway does not read (it only reads ``*.yml``).

Who sends a script, and with which values, is read from the code without running it
(``ast``): ``dispatcher.utter_message(response="utter_x", size=..., **{"colour": ...})``
and any helper called with a literal ``response="utter_x"`` keyword; the gateway's
``.render("utter_x", {...})`` calls; any other ``"utter_x"`` string literal in actions/
or bot/ counts as a use whose values cannot be told (so its placeholders are trusted).
Code that renders a script with values the scan cannot see can declare them with a
comment in the same file::

    # script-values: utter_payment_reminder: minutes, item

Only PyYAML and the standard library are used, so this runs in the gateway's env.
The command line is ``python -m tools.lint_scripts`` (__main__.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.lint_scripts.code_scan import imported_modules, python_files, scan_python
from tools.lint_scripts.findings import (
    RASA_DEFAULT_RESPONSES,
    RESPONSE_ID,
    WARNING,
    Corpus,
    Findings,
    Problem,
    Reference,
)
from xiaoer.scripts import Script, ScriptError, parse_script_file, placeholders
from xiaoer.tone import ADDRESS, banned_phrases_in, uses_address


def lint(
    scripts_dir: str | Path,
    domain_path: str | Path,
    actions_dir: str | Path,
    gateway_dir: str | Path,
    data_dir: str | Path | None = None,
) -> list[Problem]:
    """Every problem of the corpus in scripts_dir; data_dir (rules, stories) is optional."""
    return lint_corpus(scripts_dir, domain_path, actions_dir, gateway_dir, data_dir)[0]


def lint_corpus(scripts_dir, domain_path, actions_dir, gateway_dir, data_dir=None) -> tuple[list[Problem], Corpus]:
    problems: list[Problem] = []
    scripts_dir = Path(scripts_dir)
    corpus = _load_scripts(scripts_dir, problems)
    findings = Findings()
    _read_domain(Path(domain_path), findings, problems)
    actions = python_files(Path(actions_dir))
    gateway = [p for p in python_files(Path(gateway_dir)) if p.resolve() != Path(__file__).resolve()]
    # the project's own modules the actions import (xiaoer/...) may hold script tables
    helpers = imported_modules(actions, Path(actions_dir).resolve().parent, skip=actions + gateway)
    for path in actions + helpers:
        scan_python(path, "action", findings, problems)
    for path in gateway:
        scan_python(path, "gateway", findings, problems)
    if data_dir is not None:
        _read_stories(Path(data_dir), findings, problems)

    for script_id in corpus.order:
        script, file = corpus.scripts[script_id], corpus.paths[script_id]
        problems += _check_tone(file, script)
        problems += _check_placeholders(file, script, findings)
        if not _is_used(script_id, findings):
            problems.append(Problem(
                file, script_id, None,
                "nothing sends this script: it is not listed under actions: in the domain, and no "
                "action, form, rule or gateway code uses it (remove it, or ask a developer to wire it up)",
            ))

    defined = set(corpus.scripts) | corpus.also_defined
    unless = (
        f"; it may be in {_join(corpus.unreadable, 'or')}, which does not load" if corpus.unreadable else ""
    )
    seen = set()
    for ref in findings.references:
        if ref.script_id not in defined and (ref.file, ref.script_id) not in seen:
            seen.add((ref.file, ref.script_id))
            problems.append(Problem(
                ref.file, ref.script_id, None,
                f"{ref.how}, but no script in {scripts_dir.name}/ defines it (add it there){unless}",
            ))
    problems.sort(key=lambda p: p.file)  # stable: each file's problems stay in script order
    return problems, corpus


# --- The scripts -------------------------------------------------------------------------


def _load_scripts(folder: Path, problems: list[Problem]) -> Corpus:
    corpus = Corpus()
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, "the scripts folder does not exist"))
        return corpus
    for path in sorted(folder.glob("*.yaml")):
        problems.append(Problem(
            str(path), None, None,
            "the bot does not read this file: script files must end in .yml", WARNING,
        ))
    for path in sorted(folder.glob("*.yml")):  # the order the gateway loads them in
        file = str(path)
        try:
            scripts = parse_script_file(path)
        except ScriptError as exc:
            message = str(exc).removeprefix(path.name).lstrip(": ")
            problems.append(Problem(file, None, None, f"the file does not load: {message}"))
            ids = _ids_in_broken_file(path)
            if ids is None:
                corpus.unreadable.append(path.name)
            else:
                corpus.also_defined |= ids
            continue
        problems += _duplicates_within(path)
        for script_id, script in scripts.items():
            if script_id in corpus.scripts:
                first = Path(corpus.paths[script_id]).name
                problems.append(Problem(
                    file, script_id, None,
                    f"also defined in {first}; the bot uses the one in {first}, so keep only one",
                ))
                continue
            corpus.scripts[script_id] = script
            corpus.paths[script_id] = file
            corpus.order.append(script_id)
    return corpus


def _ids_in_broken_file(path: Path) -> set[str] | None:
    """The script ids of a file whose YAML reads but whose scripts do not; None: unknown."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:
        return None
    return {key for key in data if isinstance(key, str)} if isinstance(data, dict) else None


def _duplicates_within(path: Path) -> list[Problem]:
    """YAML keeps the last of two equal keys without a word; a trainer should hear of it."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except Exception:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    first_line: dict[str, int] = {}
    problems = []
    for key, _ in node.value:
        line = key.start_mark.line + 1
        if key.value in first_line:
            problems.append(Problem(
                str(path), key.value, None,
                f"defined twice in this file (lines {first_line[key.value]} and {line}); "
                "only the last one is used, so keep only one",
            ))
        else:
            first_line[key.value] = line
    return problems


def _check_tone(file: str, script: Script) -> list[Problem]:
    problems = []
    for number, text in enumerate(script.variants, 1):
        for phrase in banned_phrases_in(text):
            problems.append(Problem(
                file, script.id, number,
                f"says “{phrase}”, which the shop's tone rules ban; please reword it",
            ))
    with_address = [n for n, text in enumerate(script.variants, 1) if uses_address(text)]
    if len(with_address) * 2 > len(script.variants):
        numbers = ", ".join(map(str, with_address))
        problems.append(Problem(
            file, script.id, None,
            f"{ADDRESS} is in {len(with_address)} of {len(script.variants)} variants ({numbers}); "
            f"use it in half of them or fewer (tone rule: not {ADDRESS} in every line)",
        ))
    seen: dict[str, int] = {}
    for number, text in enumerate(script.variants, 1):
        key = " ".join(text.split())
        if key in seen:
            problems.append(Problem(
                file, script.id, number,
                f"same text as variant {seen[key]}; reword it so the reply does not repeat word for word",
                WARNING,
            ))
        else:
            seen[key] = number
    return problems


def _check_placeholders(file: str, script: Script, findings: Findings) -> list[Problem]:
    known = findings.slots | findings.shop_values
    uses = findings.uses.get(script.id, [])
    problems = []
    for number, text in enumerate(script.variants, 1):
        for name in dict.fromkeys(placeholders(text)):
            if name in known:
                continue
            if not uses:
                problems.append(Problem(
                    file, script.id, number,
                    f"placeholder {{{name}}} has no value: it is not a slot or a shop value, "
                    "and no action sends this script with it",
                ))
                continue
            lacking = [use.where for use in uses if use.supplies is not None and name not in use.supplies]
            if lacking:
                problems.append(Problem(
                    file, script.id, number,
                    f"placeholder {{{name}}} has no value when {_join(lacking)} sends this script: "
                    "it is not a slot or a shop value, and is not passed there",
                ))
    return problems


def _join(places: list[str], word: str = "or") -> str:
    places = list(dict.fromkeys(places))
    return places[0] if len(places) == 1 else ", ".join(places[:-1]) + f" {word} " + places[-1]


def _is_used(script_id: str, findings: Findings) -> bool:
    return (
        script_id in findings.listed
        or script_id in findings.uses
        or script_id in RASA_DEFAULT_RESPONSES
        or any(script_id.startswith(prefix) for prefix in findings.prefixes)
    )


# --- The domain and the stories -------------------------------------------------------------


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    return [path]


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problems.append(Problem(str(path), None, None, f"not valid YAML{where}, so it was not checked"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"cannot be read ({exc})"))
    return None


def _read_domain(path: Path, findings: Findings, problems: list[Problem]) -> None:
    if not path.exists():
        problems.append(Problem(str(path), None, None, "the domain does not exist"))
        return
    for file in _yaml_files(path):
        data = _read_yaml(file, problems)
        if not isinstance(data, dict):
            continue
        slots = data.get("slots")
        if isinstance(slots, dict):
            findings.slots |= {name for name in slots if isinstance(name, str)}
        for action in data.get("actions") or []:
            name = next(iter(action), None) if isinstance(action, dict) else action
            if isinstance(name, str) and name.startswith("utter_"):
                findings.listed.add(name)
                findings.references.append(Reference(str(file), name, "listed under actions: in the domain"))
        forms = data.get("forms")
        for form, body in (forms.items() if isinstance(forms, dict) else []):
            required = (body or {}).get("required_slots") if isinstance(body, dict) else None
            slots_asked = required if isinstance(required, list) else list(required or {})
            for slot in slots_asked:
                if isinstance(slot, str):
                    for asked in (f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"):
                        findings.use(asked, f"form {form} (asking for {slot})", frozenset())


def _read_stories(folder: Path, findings: Findings, problems: list[Problem]) -> None:
    """Rules and stories that send a script directly: Rasa passes it no values."""
    if not folder.exists():
        return
    for file in _yaml_files(folder):
        data = _read_yaml(file, problems)
        if not isinstance(data, dict):
            continue
        for kind in ("rules", "stories"):
            for item in data.get(kind) or []:
                if not isinstance(item, dict):
                    continue
                name = item.get("rule") or item.get("story") or "?"
                for step in item.get("steps") or []:
                    action = step.get("action") if isinstance(step, dict) else None
                    if isinstance(action, str) and RESPONSE_ID.match(action):
                        label = f"{kind[:-1] if kind == 'rules' else 'story'} “{name}” in {file.name}"
                        findings.use(action, label, frozenset())
                        findings.references.append(Reference(str(file), action, f"used by {label}"))

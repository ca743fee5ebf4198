"""`make lint-scripts`: the checker trainers run over the reply scripts (tools/lint_scripts/)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tools.lint_scripts.__main__ import main
from tools.lint_scripts.checks import lint
from tools.lint_scripts.findings import ERROR, WARNING
from xiaoer.tone import BANNED_PHRASES

REPO = Path(__file__).resolve().parents[2]

DOMAIN = """
version: "3.1"
slots:
  size:
    type: text
    mappings: [{type: custom}]
actions:
  - utter_greet
  - action_size
"""

ACTIONS = """
from rasa_sdk import Action


class ActionSize(Action):
    def name(self):
        return "action_size"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_size_advice", height=170, **{"weight": 60})
        return []
"""

GREETING = """
utter_greet:
  questions: [在吗]
  variants:
    - 您好，欢迎光临{shop_name}！
    - 在的在的，想看哪件宝贝？
"""

SIZING = """
utter_size_advice:
  variants:
    - 身高{height}、体重{weight}，建议选{size}码。
    - 按您的身材，{size}码正合适。
"""


def make_corpus(tmp_path, scripts=None, domain=DOMAIN, actions=ACTIONS, gateway="", data=None):
    """A tiny project: scripts_zh/, domain.yml (or a folder), actions/x.py, bot/gw.py, data/."""
    folders = {name: tmp_path / name for name in ("scripts_zh", "actions", "bot", "data")}
    for folder in folders.values():
        folder.mkdir()
    files = {"greeting.yml": GREETING, "sizing.yml": SIZING}
    files.update(scripts or {})
    for name, text in files.items():
        if text is not None:
            (folders["scripts_zh"] / name).write_text(textwrap.dedent(text), encoding="utf-8")
    if isinstance(domain, dict):  # a domain split over several files
        domain_path = tmp_path / "domain"
        domain_path.mkdir()
        for name, text in domain.items():
            (domain_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    else:
        domain_path = tmp_path / "domain.yml"
        domain_path.write_text(textwrap.dedent(domain), encoding="utf-8")
    (folders["actions"] / "x.py").write_text(textwrap.dedent(actions), encoding="utf-8")
    (folders["bot"] / "gw.py").write_text(textwrap.dedent(gateway), encoding="utf-8")
    for name, text in (data or {}).items():
        (folders["data"] / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folders["scripts_zh"], domain_path, folders["actions"], folders["bot"], folders["data"]


def run_lint(tmp_path, **corpus):
    return lint(*make_corpus(tmp_path, **corpus))


def errors(problems):
    return [p for p in problems if p.severity == ERROR]


def shown(problems):
    return "\n".join(str(p) for p in problems)


def test_a_clean_corpus_has_no_problems(tmp_path):
    assert run_lint(tmp_path) == []


def test_the_shipped_corpus_has_no_errors():
    problems = lint(REPO / "scripts_zh", REPO / "domain.yml", REPO / "actions", REPO / "bot", REPO / "data")
    assert not errors(problems), shown(errors(problems))


# Each defect in a tiny corpus: (changes, file, script id, variant, words the message has).
DEFECTS = {
    "undefined placeholder": (
        {"scripts": {"sizing.yml": SIZING.replace("按您的身材", "选{colour}的话")}},
        "sizing.yml", "utter_size_advice", 2, ["placeholder {colour}", "no value"],
    ),
    "placeholder in a script nothing passes values to": (
        {"scripts": {"greeting.yml": GREETING.replace("在的在的", "在的，{buyer_name}")}},
        "greeting.yml", "utter_greet", 2, ["placeholder {buyer_name}", "not a slot or a shop value"],
    ),
    "placeholder one of two actions does not pass": (
        {"actions": ACTIONS.replace(
            "        return []",
            "        dispatcher.utter_message(response=\"utter_size_advice\", weight=50)\n        return []",
        )},
        "sizing.yml", "utter_size_advice", 1, ["placeholder {height}", "actions/x.py (line 11)"],
    ),
    "placeholder the gateway does not pass": (
        {
            "scripts": {"gateway.yml": "utter_queue:\n  variants:\n    - 前面还有{position}位，约{minutes}分钟。\n"},
            "gateway": "def notice(corpus):\n    return corpus.render(\"utter_queue\", {\"position\": 3})\n",
        },
        "gateway.yml", "utter_queue", 1, ["placeholder {minutes}", "bot/gw.py (line 2)"],
    ),
    "placeholder a rule cannot fill": (
        {"scripts": {"sizing.yml": SIZING.replace("、体重{weight}", "")}, "data": {"rules.yml": """
            rules:
              - rule: size
                steps:
                  - intent: ask_size
                  - action: utter_size_advice
            """}},
        "sizing.yml", "utter_size_advice", 1, ["placeholder {height}", "rule “size” in rules.yml"],
    ),
    "亲 in most variants": (
        {"scripts": {"greeting.yml": GREETING.replace("您好", "亲，您好").replace("在的在的", "亲，在的")}},
        "greeting.yml", "utter_greet", None, ["亲 is in 2 of 2 variants", "half of them or fewer"],
    ),
    "script nothing uses": (
        {"scripts": {"extra.yml": "utter_orphan:\n  variants: [这句话没有人说。]\n"}},
        "extra.yml", "utter_orphan", None, ["nothing sends this script"],
    ),
    "domain lists a reply no script defines": (
        {"domain": DOMAIN.replace("  - utter_greet\n", "  - utter_greet\n  - utter_missing\n")},
        "domain.yml", "utter_missing", None, ["listed under actions: in the domain", "no script in scripts_zh/"],
    ),
    "action sends a reply no script defines": (
        {"actions": ACTIONS.replace("        return []", "        dispatcher.utter_message(response=\"utter_gone\")\n        return []")},
        "x.py", "utter_gone", None, ["sent by this action (line 11)", "no script in scripts_zh/"],
    ),
    "file that is not valid YAML": (
        {"scripts": {"broken.yml": "utter_broken:\n  variants: [好的\n"}},
        "broken.yml", None, None, ["does not load", "not valid YAML"],
    ),
    "file with a malformed variant": (
        {"scripts": {"broken.yml": "utter_broken:\n  variants: ['尺码{ size}']\n"}},
        "broken.yml", None, None, ["does not load", "utter_broken: variant 1", "not a plain name"],
    ),
    "script id in two files": (
        {"scripts": {"more.yml": "utter_greet:\n  variants: [又一个问候。]\n"}},
        "more.yml", "utter_greet", None, ["also defined in greeting.yml"],
    ),
    "script id twice in one file": (
        {"scripts": {"greeting.yml": GREETING + "utter_greet:\n  variants: [重复的问候。]\n"}},
        "greeting.yml", "utter_greet", None, ["defined twice in this file", "lines 2 and 7"],
    ),
}


@pytest.mark.parametrize("changes, file, script_id, variant, words", DEFECTS.values(), ids=DEFECTS.keys())
def test_each_defect_is_an_error_that_names_it(tmp_path, changes, file, script_id, variant, words):
    found = errors(run_lint(tmp_path, **changes))
    assert len(found) == 1, shown(found)
    problem = found[0]
    assert Path(problem.file).name == file
    assert (problem.script_id, problem.variant) == (script_id, variant)
    for word in words:
        assert word in problem.message, problem.message


@pytest.mark.parametrize("phrase", BANNED_PHRASES)
def test_a_banned_phrase_is_an_error(tmp_path, phrase):
    scripts = {"greeting.yml": GREETING.replace("想看哪件宝贝？", f"这个{phrase}。")}
    found = errors(run_lint(tmp_path, scripts=scripts))
    assert [(p.script_id, p.variant) for p in found] == [("utter_greet", 2)], shown(found)
    assert f"“{phrase}”" in found[0].message and "tone rules ban" in found[0].message


# Corpora that look close to a defect but are fine.
FINE = {
    "values passed through a helper with response=": {
        "actions": ACTIONS + "\n\ndef advise(dispatcher):\n"
                   "    say(dispatcher, response=\"utter_size_advice\", height=1, weight=2)\n",
    },
    "values passed as **dict(...)": {
        "actions": ACTIONS.replace('**{"weight": 60}', "**dict(weight=60)"),
    },
    "values the code cannot show are trusted": {
        "actions": ACTIONS.replace('**{"weight": 60}', "**values"),
        "scripts": {"sizing.yml": SIZING.replace("按您的身材", "选{colour}的话")},
    },
    "a script picked from a table": {
        "actions": ACTIONS.replace("        return []", "        dispatcher.utter_message(response=TABLE[k])\n        return []")
                   + "\nTABLE = {\"a\": \"utter_extra\"}\n",
        "scripts": {"extra.yml": "utter_extra:\n  variants: [好的。]\n"},
    },
    "a script the gateway renders itself": {
        "scripts": {"gateway.yml": "utter_queue:\n  variants:\n    - 前面还有{position}位。\n"},
        "gateway": "def notice(corpus):\n    return corpus.render(\"utter_queue\", {\"position\": 3})\n",
    },
    "a gateway script named through a helper": {
        "scripts": {"gateway.yml": "utter_queue:\n  variants:\n    - 前面还有{position}位。\n"},
        "gateway": "def notice(desk):\n    return desk.say(\"utter_queue\", position=3)\n",
    },
    "values declared by a script-values comment": {
        "scripts": {"gateway.yml": "utter_queue:\n  variants:\n    - 前面还有{position}位。\n"},
        "gateway": "# script-values: utter_queue: position\nNAME = 'utter_queue'\n",
    },
    "scripts from an f-string prefix": {
        "scripts": {"ask.yml": "utter_ask_colour:\n  variants: [想要什么颜色？]\n"},
        "actions": ACTIONS + "\n\ndef ask(dispatcher, slot):\n    dispatcher.utter_message(response=f\"utter_ask_{slot}\")\n",
    },
    "a form's question": {
        "scripts": {"ask.yml": "utter_ask_height:\n  variants: [您身高多少？]\n"
                               "utter_ask_size_form_weight:\n  variants: [您体重多少？]\n"},
        "domain": DOMAIN + "forms:\n  size_form:\n    required_slots: [height, weight]\n",
    },
    "a script a rule sends": {
        "scripts": {"extra.yml": "utter_extra:\n  variants:\n    - 好的，{size}码。\n"},
        "data": {"rules.yml": "rules:\n  - rule: r\n    steps:\n      - intent: x\n      - action: utter_extra\n"},
    },
    "a domain split over a folder": {
        "domain": {"slots.yml": DOMAIN.split("actions:")[0], "actions.yml": "actions:\n  - utter_greet\n"},
    },
    "亲 in half of the variants, 亲肤 and 看不清楚 are words": {
        "scripts": {"greeting.yml": GREETING.replace("您好", "亲，您好").replace(
            "想看哪件宝贝？", "这款面料亲肤，照片看不清楚的话我再发一张。")},
    },
}


@pytest.mark.parametrize("changes", FINE.values(), ids=FINE.keys())
def test_no_error_for(tmp_path, changes):
    found = errors(run_lint(tmp_path, **changes))
    assert not found, shown(found)


def test_identical_variants_are_a_warning_not_an_error(tmp_path):
    scripts = {"greeting.yml": GREETING + "    - 您好，欢迎光临{shop_name}！\n"}
    problems = run_lint(tmp_path, scripts=scripts)
    assert [(p.severity, p.script_id, p.variant) for p in problems] == [(WARNING, "utter_greet", 3)]
    assert "same text as variant 1" in problems[0].message


def test_the_command_prints_one_line_per_problem_and_fails(tmp_path, capsys):
    scripts_dir, domain, actions, gateway, data = make_corpus(
        tmp_path, scripts={"greeting.yml": GREETING.replace("想看哪件宝贝？", "这个不知道。")}
    )
    args = ["--scripts", str(scripts_dir), "--domain", str(domain), "--actions", str(actions),
            "--gateway", str(gateway), "--data", str(data)]
    assert main(args) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith("greeting.yml: utter_greet, variant 2: says “不知道”, which the shop's tone rules ban; please reword it")
    assert lines[1].endswith("scripts_zh: 2 scripts, 1 problem to fix")


def test_the_command_says_so_when_all_is_well(tmp_path, capsys):
    scripts_dir, domain, actions, gateway, data = make_corpus(tmp_path)
    args = ["--scripts", str(scripts_dir), "--domain", str(domain), "--actions", str(actions),
            "--gateway", str(gateway), "--data", str(data)]
    assert main(args) == 0
    assert capsys.readouterr().out.strip().endswith("scripts_zh: 2 scripts, no problems")


def test_a_reply_in_a_file_that_does_not_load_is_not_called_missing_without_saying_so(tmp_path):
    found = errors(run_lint(tmp_path, scripts={"greeting.yml": "utter_greet:\n  variants: [您好\n"}))
    assert [Path(p.file).name for p in found] == ["domain.yml", "greeting.yml"], shown(found)
    assert "it may be in greeting.yml, which does not load" in found[0].message

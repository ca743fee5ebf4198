"""Safe editing of scripts_zh/ files from the trainer workbench.

A save is checked first with the engine's own rules (``check_variant``, at least one
variant) and the lint's tone rules (banned phrases, 亲 in most variants), and may use only
placeholders the script already used or shop-wide values. Then the file is changed with
ruamel.yaml's round trip (comments and order kept), parsed back with the engine's parser,
and replaced atomically, so the corpus (which reloads changed files) serves it at once.

Every file has a version (a hash of its bytes); a save names the version it was loaded
from and is refused when the file changed since (someone else saved first).
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.infra.files import atomic_write, locked
from xiaoer.scripts import ScriptError, check_variant, parse_script_file, placeholders
from xiaoer.tone import ADDRESS, banned_phrases_in, uses_address

FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.yml\Z")
VARIANT_LIMIT = 2000
QUESTION_LIMIT = 200
TITLE_LIMIT = 40
PAYLOAD_LIMIT = 200
MAX_ITEMS = 30
STALE = "别人刚刚改过这个文件，请重新加载后再修改（您的修改没有保存）"


class EditError(ValueError):
    """A save that was refused; the message is for the trainer (Chinese). status: HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def version_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def script_file(folder: Path, name: str) -> Path:
    if not isinstance(name, str) or not FILE_NAME.match(name):
        raise EditError("没有这个话术文件", 404)
    path = Path(folder) / name
    if not path.is_file():
        raise EditError("没有这个话术文件", 404)
    return path


def list_scripts(folder: Path) -> list[dict[str, Any]]:
    """Every file with its version and scripts (or its error)."""
    files = []
    for path in sorted(Path(folder).glob("*.yml")):
        entry: dict[str, Any] = {"file": path.name, "version": version_of(path.read_bytes()), "scripts": []}
        try:
            for script in parse_script_file(path).values():
                entry["scripts"].append({"id": script.id, "variants": len(script.variants),
                                         "preview": script.variants[0][:60]})
        except ScriptError as exc:
            entry["error"] = str(exc)
        files.append(entry)
    return files


def read_script(folder: Path, name: str, script_id: str) -> dict[str, Any]:
    path = script_file(folder, name)
    content = path.read_bytes()
    try:
        scripts = parse_script_file(path)
    except ScriptError as exc:
        raise EditError(f"这个文件现在无法读取：{exc}", 409) from exc
    script = scripts.get(script_id)
    if script is None:
        raise EditError("这个文件里没有这个话术", 404)
    return {
        "file": name, "id": script_id, "version": version_of(content),
        "variants": list(script.variants), "questions": list(script.questions),
        "buttons": [dict(b) for b in script.buttons],
        "placeholders": sorted({p for v in script.variants for p in placeholders(v)}),
    }


def _strings(value: Any, what: str, limit: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise EditError(f"{what}必须是一个列表（最多 {MAX_ITEMS} 条）")
    items = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, str):
            raise EditError(f"{what}第 {number} 条必须是文字")
        item = item.strip()
        if len(item) > limit:
            raise EditError(f"{what}第 {number} 条太长了（最多 {limit} 个字）")
        items.append(item)
    return items


def check_edit(old_variants: list[str], shop_names: set[str], variants: Any, questions: Any, buttons: Any):
    """The cleaned variants, questions and buttons, or EditError naming what is wrong."""
    variants = [v for v in _strings(variants, "说法", VARIANT_LIMIT)]
    if not any(variants):
        raise EditError("至少要有一条说法")
    if not all(variants):
        number = variants.index("") + 1
        raise EditError(f"第 {number} 条说法是空的，请填写或删掉它")
    allowed = {p for v in old_variants for p in placeholders(v)} | set(shop_names)
    for number, text in enumerate(variants, 1):
        problem = check_variant(text)
        if problem:
            raise EditError(f"第 {number} 条说法的占位符写错了：{problem}（占位符要写成 {{size}} 这样，"
                            f"花括号本身要写成 {{{{ 或 }}}}）")
        banned = banned_phrases_in(text)
        if banned:
            raise EditError(f"第 {number} 条说法里有禁用语「{'」「'.join(banned)}」，请换个说法")
        unknown = [p for p in dict.fromkeys(placeholders(text)) if p not in allowed]
        if unknown:
            known = "、".join("{" + p + "}" for p in sorted(allowed)) or "无"
            raise EditError(f"第 {number} 条说法用了这个话术以前没有的占位符 "
                            f"{'、'.join('{' + p + '}' for p in unknown)}，机器人填不了它；可以用的有：{known}")
    with_address = sum(uses_address(v) for v in variants)
    if len(variants) > 1 and with_address * 2 > len(variants):
        raise EditError(f"太多说法用了「{ADDRESS}」（{with_address}/{len(variants)} 条），不要每句都叫亲")
    questions = [q for q in _strings(questions, "买家问题", QUESTION_LIMIT) if q]
    if buttons is None:
        buttons = []
    if not isinstance(buttons, list) or len(buttons) > MAX_ITEMS:
        raise EditError(f"按钮必须是一个列表（最多 {MAX_ITEMS} 个）")
    cleaned = []
    for number, button in enumerate(buttons, 1):
        if not isinstance(button, dict):
            raise EditError(f"第 {number} 个按钮格式不对")
        title = _strings([button.get("title") or ""], f"第 {number} 个按钮的文字", TITLE_LIMIT)[0]
        payload = _strings([button.get("payload") or ""], f"第 {number} 个按钮发送的话", PAYLOAD_LIMIT)[0]
        if not title and not payload:
            continue  # an empty row of the form
        if not title:
            raise EditError(f"第 {number} 个按钮缺少按钮文字")
        cleaned.append({"title": title, "payload": payload or title})
    return variants, questions, cleaned


def _yaml() -> YAML:
    rt = YAML()  # round trip: comments, order and flow style are kept
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _replace_items(seq: Any, values: list[Any], flow: bool = False) -> Any:
    """Put values into an existing list in place (keeps its comments and style), or a new one."""
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        if flow:
            seq.fa.set_flow_style()
    for index, value in enumerate(values):
        if index < len(seq):
            if seq[index] != value:
                seq[index] = value
        else:
            seq.append(value)
    del seq[len(values):]
    return seq


def save_script(folder: Path, name: str, script_id: str, version: str, variants: Any, questions: Any,
                buttons: Any, shop_names: set[str]) -> dict[str, Any]:
    """Check and save one script; returns the file's new version."""
    path = script_file(folder, name)
    with locked(path.parent):
        content = path.read_bytes()
        if version != version_of(content):
            raise EditError(STALE, 409)
        current = read_script(folder, name, script_id)
        variants, questions, buttons = check_edit(current["variants"], shop_names, variants, questions, buttons)
        rt = _yaml()
        data = rt.load(content.decode("utf-8"))
        body = data[script_id]
        if not isinstance(body, CommentedMap):
            body = CommentedMap()
            data[script_id] = body
        body["variants"] = _replace_items(body.get("variants"), variants)
        for key, values in (("questions", questions), ("buttons", buttons)):
            if values:
                old = body.get(key)
                flow = key == "questions" and (old is None or old.fa.flow_style())
                if key == "buttons":
                    values = [_flow_map(b) for b in values]
                body[key] = _replace_items(old, values, flow=flow)
            elif key in body:
                del body[key]
        out = io.StringIO()
        rt.dump(data, out)
        new_text = out.getvalue()
        _check_parses_back(path, new_text, script_id, variants, questions, buttons)
        atomic_write(path, new_text)
        return {"file": name, "id": script_id, "version": version_of(new_text.encode("utf-8"))}


def _flow_map(button: dict[str, str]) -> CommentedMap:
    item = CommentedMap(button)
    item.fa.set_flow_style()
    return item


def _check_parses_back(path: Path, text: str, script_id: str, variants, questions, buttons) -> None:
    probe = path.parent / f".{path.name}.check"
    try:
        probe.write_text(text, encoding="utf-8")
        script = parse_script_file(probe)[script_id]
    except (ScriptError, KeyError) as exc:
        raise EditError(f"保存后的文件无法读取，没有保存（{exc}）", 500) from exc
    finally:
        probe.unlink(missing_ok=True)
    if (list(script.variants), list(script.questions), [dict(b) for b in script.buttons]) != (
        variants, questions, buttons
    ):
        raise EditError("保存后的内容和填写的不一致，没有保存", 500)

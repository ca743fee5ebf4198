"""The reply-script engine: loading, filling, variety, hot reload, broken edits."""

from __future__ import annotations

import os
import random
import time

import pytest

from xiaoer.scripts import (
    ScriptCorpus,
    ScriptError,
    check_variant,
    fill,
    parse_script_file,
)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    # make the edit visible even on filesystems with coarse timestamps
    stamp = time.time() + random.random()
    os.utime(path, (stamp, stamp))


@pytest.fixture
def corpus_dir(tmp_path):
    write(tmp_path / "greeting.yml", """
utter_greet:
  questions: [在吗]
  variants:
    - 您好，欢迎光临{shop_name}！
    - 在的，{shop_name}为您服务。
    - 您好呀，想看哪件宝贝？
  buttons:
    - {title: 选尺码, payload: 帮我推荐尺码}
utter_size:
  variants:
    - 按您的身高体重，建议选{size}码。
""")
    return tmp_path


def test_fills_placeholders_from_values(corpus_dir):
    corpus = ScriptCorpus(corpus_dir)
    rendered = corpus.render("utter_size", {"size": "L"})
    assert rendered.text == "按您的身高体重，建议选L码。"


def test_buttons_come_with_the_script(corpus_dir):
    rendered = ScriptCorpus(corpus_dir).render("utter_greet", {"shop_name": "禾木服饰"})
    assert rendered.buttons == [{"title": "选尺码", "payload": "帮我推荐尺码"}]


def test_never_the_same_variant_twice_in_a_row(corpus_dir):
    corpus = ScriptCorpus(corpus_dir)
    last = None
    for seed in range(50):
        rendered = corpus.render("utter_greet", {"shop_name": "禾木"}, avoid_variant=last, rng=random.Random(seed))
        assert rendered.variant != last
        last = rendered.variant


def test_every_variant_is_heard_before_one_repeats(corpus_dir):
    corpus = ScriptCorpus(corpus_dir)
    fitting = {r.variant for r in (corpus.render("utter_greet", {"shop_name": "禾木"}, rng=random.Random(n))
                                   for n in range(40))}
    for seed in range(20):
        used: list[int] = []
        for _ in range(len(fitting)):
            used.append(corpus.render("utter_greet", {"shop_name": "禾木"}, used=used, rng=random.Random(seed)).variant)
        assert sorted(used) == sorted(fitting), "no variant twice while another is left"
        again = corpus.render("utter_greet", {"shop_name": "禾木"}, used=used, rng=random.Random(seed)).variant
        assert again != used[-1] or len(fitting) == 1


def test_variant_with_a_missing_value_is_skipped(corpus_dir):
    corpus = ScriptCorpus(corpus_dir)
    texts = {corpus.render("utter_greet", {}, rng=random.Random(seed)).text for seed in range(30)}
    assert texts == {"您好呀，想看哪件宝贝？"}


def test_no_variant_can_be_filled_gives_none(corpus_dir):
    assert ScriptCorpus(corpus_dir).render("utter_size", {}) is None


def test_unknown_script_gives_none(corpus_dir):
    assert ScriptCorpus(corpus_dir).render("utter_nothing", {}) is None


@pytest.mark.parametrize("template", [
    "{size.__class__}", "{size[0]}", "{size!r}", "{size:>10}", "{0}", "{ size}", "价格{", "}",
])
def test_templates_that_could_run_code_or_are_malformed_are_refused(template):
    assert check_variant(template) is not None


@pytest.mark.parametrize("template,expected", [
    ("{{不是占位符}}", "{不是占位符}"),
    ("{size}码{{M}}", "L码{M}"),
])
def test_double_braces_are_literal(template, expected):
    assert check_variant(template) is None
    assert fill(template, {"size": "L"}) == expected


def test_values_are_inserted_as_text_not_evaluated():
    assert fill("{name}", {"name": "{shop_name.__init__}"}) == "{shop_name.__init__}"


def test_edit_on_disk_is_live_without_restart(corpus_dir):
    clock = [0.0]
    corpus = ScriptCorpus(corpus_dir, check_interval=1.0, clock=lambda: clock[0])
    write(corpus_dir / "greeting.yml", "utter_greet:\n  variants: [改过的问候]\n")
    clock[0] += 1.5
    assert corpus.render("utter_greet", {}).text == "改过的问候"


def test_new_and_deleted_files_are_noticed(corpus_dir):
    clock = [0.0]
    corpus = ScriptCorpus(corpus_dir, clock=lambda: clock[0])
    write(corpus_dir / "extra.yml", "utter_extra: 新话术\n")
    clock[0] += 2
    assert corpus.render("utter_extra", {}).text == "新话术"
    (corpus_dir / "extra.yml").unlink()
    clock[0] += 2
    assert corpus.get("utter_extra") is None


def test_broken_edit_keeps_the_last_good_version_and_reports(corpus_dir):
    clock = [0.0]
    corpus = ScriptCorpus(corpus_dir, clock=lambda: clock[0])
    write(corpus_dir / "greeting.yml", "utter_greet:\n  variants: [坏了 {size\n")
    clock[0] += 2
    assert corpus.render("utter_size", {"size": "M"}).text == "按您的身高体重，建议选M码。"
    assert "greeting.yml" in corpus.errors
    write(corpus_dir / "greeting.yml", "utter_greet: 修好了\n")
    clock[0] += 2
    assert corpus.render("utter_greet", {}).text == "修好了"
    assert corpus.errors == {}


@pytest.mark.parametrize("content,reason", [
    ("utter_x:\n  variants: []\n", "at least one non-empty variant"),
    ("utter_x:\n  variants: ['{ size }']\n", "not a plain name"),
    ("Utter-X: hi\n", "lower-case"),
    ("- a\n- b\n", "top level"),
    ("utter_x: [unclosed\n", "line"),
    ("utter_x:\n  variants: [好]\n  buttons: [{payload: x}]\n", "title"),
])
def test_file_errors_name_the_file_and_problem(tmp_path, content, reason):
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScriptError) as error:
        parse_script_file(path)
    assert "bad.yml" in str(error.value) and reason in str(error.value)


def test_the_shipped_corpus_loads_without_errors():
    corpus = ScriptCorpus("scripts_zh")
    assert corpus.errors == {}
    assert "utter_greet" in corpus.all()

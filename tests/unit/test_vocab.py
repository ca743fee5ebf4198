"""The shop vocabulary (tools/build_vocab.py): what it holds, that it is deterministic, and
that the trained model carries the same file."""

from __future__ import annotations

import importlib.util
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("build_vocab", ROOT / "tools" / "build_vocab.py")
build_vocab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_vocab)

CATALOG = {"items": [
    {"sku": "JN-2801", "name": "高腰直筒牛仔裤", "aliases": ["牛仔裤", "直筒裤"], "colors": ["浅蓝", "黑色"]},
    {"sku": "TS-0520", "name": "纯棉短袖T恤", "aliases": ["T恤"], "colors": ["白", "粉"]},
    {"sku": "SET-01", "name": "T恤+牛仔裤套餐", "aliases": ["套餐"], "colors": []},
]}


@pytest.mark.parametrize("word", [
    "JN-2801", "JN2801", "高腰直筒牛仔裤", "直筒裤", "T恤+牛仔裤套餐", "浅蓝", "浅蓝色", "黑色",
    "白色", "粉色",
])
def test_catalog_words(word):
    assert word in build_vocab.catalog_words(CATALOG)


def test_single_character_colours_are_only_listed_with_se():
    words = build_vocab.catalog_words(CATALOG)
    assert "白" not in words and "粉" not in words  # a one-character "word" would split text badly


@pytest.mark.parametrize("code", ["175/92A", "160/84A", "160/68B", "150/60Y"])
def test_haoxing_sizes(code):
    assert code in build_vocab.haoxing()


def test_demo_shop_vocabulary_is_sorted_and_in_jieba_format():
    words = build_vocab.vocabulary(ROOT / "shop")
    assert words == sorted(set(words))
    assert {"高腰直筒牛仔裤", "碎花连衣裙", "雾蓝", "175/92A", "运费险", "转人工"} <= set(words)
    text = build_vocab.render(words)
    for line in text.splitlines():
        word, freq = line.split(" ")
        assert word and int(freq) > 0


def test_committed_vocabulary_matches_the_catalog():
    """vocab/shop.txt is what tools/build_vocab.py makes of shop/ (`make train` refreshes it)."""
    assert (ROOT / "vocab" / "shop.txt").read_text(encoding="utf-8") == \
        build_vocab.render(build_vocab.vocabulary(ROOT / "shop"))


def test_main_writes_only_when_the_content_changes(tmp_path, capsys):
    out = tmp_path / "vocab" / "shop.txt"
    assert build_vocab.main(str(ROOT / "shop"), str(out)) == 0
    first = out.stat().st_mtime_ns
    assert build_vocab.main(str(ROOT / "shop"), str(out)) == 0
    assert out.stat().st_mtime_ns == first
    assert "up to date" in capsys.readouterr().out


def test_the_trained_model_carries_the_vocabulary():
    model = ROOT / "models" / "xiaoer.tar.gz"
    if not model.exists():
        pytest.skip("no trained model (make test trains it first)")
    with tarfile.open(model) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith("/shop.txt")
                   and "Tokenizer" in m.name]
        assert members, "the tokenizer's dictionary is not in the model"
        packed = tar.extractfile(members[0]).read().decode("utf-8")
    assert packed == (ROOT / "vocab" / "shop.txt").read_text(encoding="utf-8")

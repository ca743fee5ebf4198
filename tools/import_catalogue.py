"""Import a product export (CSV or .xlsx, as Taobao or JD export it) into shop/catalog.yml.

    python -m tools.import_catalogue FILE [--mapping MAPPING] [--shop shop]
    make import-catalogue FILE=path [MAPPING=path]

Reads the export (:mod:`xiaoer.shop.catalogue_import`), merges it into the catalogue by
item id, keeping what people added (:mod:`xiaoer.shop.catalogue_merge`), checks the
result with the shop's own loader, and only then replaces catalog.yml: atomically (a
temporary file renamed over it, the shop folder locked meanwhile), with the previous file
kept under shop/backups/catalog-<time>.yml. Prints
what changed. When any row is bad, or the result would not load, it prints every problem
(row and column of the export, or file and line) and exits 2 with catalog.yml unchanged.

New item words make the model's vocabulary (vocab/shop.txt) stale; the output says so,
and `make train` rebuilds it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.infra.files import atomic_write, locked  # noqa: E402
from tools.build_vocab import render, vocabulary  # noqa: E402
from xiaoer import clock  # noqa: E402
from xiaoer.shop import ShopConfigError, load_shop  # noqa: E402
from xiaoer.shop.catalogue_import import (  # noqa: E402
    CatalogueImportError,
    ImportProblem,
    read_export,
    read_mapping,
)
from xiaoer.shop.catalogue_merge import MergeResult, merge_catalogue  # noqa: E402

VOCAB = ROOT / "vocab" / "shop.txt"


@dataclass(frozen=True)
class Imported:
    merge: MergeResult
    items: int
    rows: int
    backup: Path | None
    new_words: int  # words the model's vocabulary does not have yet


def _vocab_words(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.split(" ")[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check_loads(shop_dir: Path, catalog_text: str) -> set[str]:
    """Load the shop as it would be with the new catalog.yml (problems name the real files);
    its vocabulary's lines (vocab/shop.txt's format)."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in shop_dir.iterdir():
            if path.is_file() and path.suffix in (".yml", ".yaml"):
                shutil.copy2(path, tmp)
        Path(tmp, "catalog.yml").write_text(catalog_text, encoding="utf-8")
        try:
            return set(render(vocabulary(tmp)).splitlines())  # loads the shop with the shop's loader
        except ShopConfigError as exc:
            raise CatalogueImportError(
                ImportProblem(None, None, "导入后的目录读不进来", str(p).replace(tmp, str(shop_dir)))
                for p in exc.problems) from None


def import_catalogue(export: str | os.PathLike, shop_dir: str | os.PathLike = ROOT / "shop",
                     mapping: str | os.PathLike | None = None, vocab: Path = VOCAB) -> Imported:
    """Import ``export`` into ``shop_dir``/catalog.yml. Raises :class:`CatalogueImportError`
    (nothing written) or :class:`ShopConfigError` (the shop was broken before)."""
    shop_dir = Path(shop_dir)
    shop = load_shop(shop_dir)
    if shop.bargaining.default_floor_share is None:
        raise CatalogueImportError([ImportProblem(
            None, None, "bargaining.yml 没有 default_floor_share(导入的商品没有底价,需要按售价的比例算)",
            f"{shop_dir}/bargaining.yml has no default_floor_share (e.g. 0.85): imported items have no floor "
            "of their own")])
    rules = read_mapping(mapping) if mapping else None
    found = read_export(export, shop.sizing, rules, words=_vocab_words(vocab))
    catalog = shop_dir / "catalog.yml"
    with locked(shop_dir):  # two imports at once: the second merges into the first's result
        old_text = catalog.read_text(encoding="utf-8")
        merged = merge_catalogue(old_text, found)
        words = _check_loads(shop_dir, merged.text)
        backup = None
        if merged.text != old_text:
            stamp = dt.datetime.fromtimestamp(clock.now()).strftime("%Y%m%d-%H%M%S")
            backup = shop_dir / "backups" / f"catalog-{stamp}.yml"
            backup.parent.mkdir(exist_ok=True)
            atomic_write(backup, old_text)
            atomic_write(catalog, merged.text)
    new_words = len(words - set(vocab.read_text(encoding="utf-8").splitlines())) if vocab.exists() else 0
    return Imported(merged, len(found.items), found.rows, backup, new_words)


def _some(skus: tuple[str, ...]) -> str:
    return "" if not skus else ": " + ", ".join(skus[:8]) + (f" (+{len(skus) - 8})" if len(skus) > 8 else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="the export: .csv (UTF-8 or GBK) or .xlsx")
    parser.add_argument("--mapping", help="a mapping file (YAML) for exports of another shape")
    parser.add_argument("--shop", default=str(ROOT / "shop"), help="the shop folder (default: shop/)")
    args = parser.parse_args(argv)
    catalog = Path(args.shop) / "catalog.yml"
    try:
        done = import_catalogue(args.file, args.shop, args.mapping)
    except FileNotFoundError as exc:
        print(f"找不到文件 / No such file: {exc.filename}", file=sys.stderr)
        return 2
    except ShopConfigError as exc:
        print(f"店铺配置有问题,先修好再导入 / The shop configuration has problems; fix them first:\n{exc}",
              file=sys.stderr)
        return 1
    except CatalogueImportError as exc:
        print(f"没有导入,{catalog} 没有改动 / Nothing imported; {catalog} is unchanged. "
              f"{len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    m = done.merge
    print(f"导入 / Imported {args.file}: {done.items} items from {done.rows} rows")
    print(f"  新增 added {len(m.added)}{_some(m.added)}")
    print(f"  更新 updated {len(m.updated)}{_some(m.updated)}")
    print(f"  未变 unchanged {m.unchanged}")
    print(f"  下架 retired {len(m.retired)}{_some(m.retired)}")
    if m.relisted:
        print(f"  重新上架 relisted {len(m.relisted)}{_some(m.relisted)}")
    if done.backup:
        print(f"  {catalog} written; the previous one is kept as {done.backup}")
    else:
        print(f"  {catalog} already says this; nothing written")
    if done.new_words:
        print(f"词表过期:新增 {done.new_words} 个词,运行 make train 重建词表并重新训练模型 / "
              f"The model's vocabulary is stale ({done.new_words} new words): run `make train` to rebuild it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

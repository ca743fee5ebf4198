"""How the YAML catalogue scales: the shop loader's time and memory at 4, 300 and 3,000 items.

    python -m tools.measure_catalogue [--items 300 3000] [--repeat 5]

For each size it makes the demo export (tools/make_demo_export), imports it into a copy of
shop/ in a temporary folder, and measures what every process that loads the shop pays:
``load_shop`` time (best and median of ``--repeat``), the memory it allocates at its peak
and keeps afterwards (tracemalloc), catalog.yml's size, and the import itself. Nothing in
the repository is written. Figures for README's "Importing a catalogue".
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.import_catalogue import import_catalogue  # noqa: E402
from tools.make_demo_export import SKU_HEADER, demo_listings, sku_rows, write_csv  # noqa: E402
from xiaoer.shop import load_shop  # noqa: E402


def measure_load(shop_dir: Path, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        load_shop(shop_dir)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    shop = load_shop(shop_dir)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"items": len(shop.items), "best_s": min(times), "median_s": statistics.median(times),
            "peak_mb": peak / 2**20, "kept_mb": kept / 2**20}


def measure(count: int, repeat: int, work: Path) -> dict:
    shop_dir = work / f"shop-{count}"
    shop_dir.mkdir()
    for path in (ROOT / "shop").glob("*.yml"):
        shutil.copy(path, shop_dir)
    imported = None
    if count:
        export = work / f"export-{count}.csv"
        write_csv(export, SKU_HEADER, sku_rows(demo_listings(count)))
        started = time.perf_counter()
        import_catalogue(export, shop_dir)
        imported = time.perf_counter() - started
    result = measure_load(shop_dir, repeat)
    result["catalog_kb"] = (shop_dir / "catalog.yml").stat().st_size / 1024
    result["import_s"] = imported
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[300, 3000], help="imported items (default 300 3000)")
    parser.add_argument("--repeat", type=int, default=5, help="loads timed per size (default 5)")
    args = parser.parse_args(argv)
    print(f"{'items':>6} {'catalog.yml':>12} {'load best':>10} {'median':>8} {'peak':>9} {'kept':>9} {'import':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for count in [0, *args.items]:
            r = measure(count, args.repeat, Path(tmp))
            imported = f"{r['import_s']:.1f} s" if r["import_s"] is not None else "-"
            print(f"{r['items']:>6} {r['catalog_kb']:>9.0f} KB {r['best_s']:>8.3f} s {r['median_s']:>6.3f} s "
                  f"{r['peak_mb']:>6.1f} MB {r['kept_mb']:>6.1f} MB {imported:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

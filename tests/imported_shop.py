"""A shop whose catalogue is the generated 300-item export and nothing else, imported with the
project's importer (tools/import_catalogue): what a real shop has after `make import-catalogue`
once the demo's four hand-written items are gone. Used by the unit, action and live tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tools.import_catalogue import import_catalogue

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "shop" / "demo_exports"
CSV_EXPORT = EXPORTS / "taobao-300.csv"
XLSX_EXPORT = EXPORTS / "taobao-300.xlsx"


def imported_shop(folder: Path, export: Path = CSV_EXPORT) -> Path:
    """``folder`` as a shop (the demo's policies) whose catalogue is ``export``, imported, alone:
    the hand-written items (no ``item_id``) are taken out after the import, and with them the
    demo's set, so bargaining steers to no bundle."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in (REPO / "shop").glob("*.yml"):
        shutil.copy(path, folder)
    import_catalogue(export, folder)  # reads the model's vocabulary for the aliases, writes nothing there
    catalog = folder / "catalog.yml"
    data = yaml.safe_load(catalog.read_text(encoding="utf-8"))
    data["items"] = [item for item in data["items"] if item.get("item_id")]
    catalog.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    bargaining = folder / "bargaining.yml"
    text = bargaining.read_text(encoding="utf-8")
    text = text.replace("ladder: [bundle, free_shipping]", "ladder: [free_shipping]").replace("bundles: [SET-01]", "bundles: []")
    bargaining.write_text(text, encoding="utf-8")
    shutil.rmtree(folder / "backups", ignore_errors=True)
    return folder

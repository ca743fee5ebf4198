"""A shop of a test's own for the actions (an imported or edited copy of the demo shop)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from actions import shop_data

REPO = Path(__file__).resolve().parents[2]


def copy_of_demo_shop(folder: Path) -> Path:
    """The demo shop's files in ``folder``, for a test to change."""
    for path in (REPO / "shop").glob("*.yml"):
        shutil.copy(path, folder)
    return folder


@contextmanager
def actions_use_shop(folder: Path):
    """The actions read the shop in ``folder`` for the with-block, then the demo shop again."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XIAOER_SHOP_DIR", str(folder))
    shop_data.shop.cache_clear()
    try:
        yield shop_data.shop()
    finally:
        patch.undo()
        shop_data.shop.cache_clear()  # the other tests' demo shop

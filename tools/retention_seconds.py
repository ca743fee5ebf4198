"""Print how long buyers' data is kept, in seconds: shop.yml's ``retention_days``.

The one place the starters get ``XIAOER_TRACKER_TTL_S`` (Rasa's tracker store ``record_exp``
in endpoints.yml) from, so Rasa keeps a tracker as long as the gateway keeps the
conversation: tools/run.sh and tools/stack.py call it; docker-compose.yml has the value
written down (a test checks it is this one).

    python -m tools.retention_seconds            # the shop in XIAOER_SHOP_DIR, else shop/
    python -m tools.retention_seconds path/to/shop

A broken shop prints its problems (file, line, what is wrong) and exits 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from xiaoer.shop import ShopConfigError, load_shop

ROOT = Path(__file__).resolve().parents[1]


def retention_seconds(shop_dir: str | os.PathLike | None = None) -> int:
    """The shop's retention in seconds (the shop in XIAOER_SHOP_DIR, else shop/)."""
    folder = shop_dir or os.environ.get("XIAOER_SHOP_DIR") or ROOT / "shop"
    return load_shop(folder).retention_seconds


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(__doc__.strip().splitlines()[0], "\nusage: python -m tools.retention_seconds [shop folder]", file=sys.stderr)
        return 2
    try:
        print(retention_seconds(args[0] if args else None))
    except ShopConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bot`: run the gateway (settings from the environment, see README)."""

import logging
import sys

from bot.app import create_app
from bot.config import Settings
from xiaoer.shop import ShopConfigError


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    try:
        app = create_app(settings)
    except ShopConfigError as exc:
        sys.exit(f"The shop configuration has problems; fix them and start again:\n{exc}")
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()

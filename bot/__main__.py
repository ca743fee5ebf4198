"""`python -m bot`: run the gateway (settings from the environment, see README)."""

import logging

from bot.app import create_app
from bot.config import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()

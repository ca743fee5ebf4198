"""`python -m bot`: run the gateway (settings from the environment, see README)."""

import logging
import sys

from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.staff.people import AgentConfigError
from xiaoer.shop import ShopConfigError


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except (ConfigError, ValueError) as exc:  # a setting that cannot be used: say which, no traceback
        sys.exit(f"The gateway's settings have a problem; fix it and start again:\n{exc}")
    try:
        app = create_app(settings)
    except ConfigError as exc:
        sys.exit(f"The gateway's settings have a problem; fix it and start again:\n{exc}")
    except AgentConfigError as exc:
        sys.exit(f"The staff accounts file has a problem; fix it and start again:\n{exc}")
    except ShopConfigError as exc:
        sys.exit(f"The shop configuration has problems; fix them and start again:\n{exc}")
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()

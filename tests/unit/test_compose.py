"""docker-compose.yml can't be run here (no Docker engine); check what would break it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_the_four_services_are_there_with_health_checks():
    assert set(SERVICES) == {"redis", "actions", "rasa", "gateway"}
    for name, service in SERVICES.items():
        assert "healthcheck" in service, name


def test_every_dockerfile_copies_files_that_exist():
    for service in SERVICES.values():
        if "build" not in service:
            continue
        dockerfile = ROOT / service["build"]["dockerfile"]
        assert dockerfile.exists(), dockerfile
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY "):
                for source in line.split()[1:-1]:
                    assert (ROOT / source).exists(), f"{dockerfile.name}: {source} is missing"


def test_rasa_gets_every_variable_its_endpoints_need():
    needed = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))
    assert needed <= set(SERVICES["rasa"]["environment"]), needed - set(SERVICES["rasa"]["environment"])


def test_services_point_at_each_other_by_service_name_and_port():
    rasa_env, gateway_env = SERVICES["rasa"]["environment"], SERVICES["gateway"]["environment"]
    assert rasa_env["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook"
    assert rasa_env["NLG_URL"] == "http://gateway:8000/nlg"
    assert gateway_env["RASA_URL"] == "http://rasa:5005"
    assert gateway_env["REDIS_URL"].startswith("redis://redis:6379")
    assert gateway_env["HOST"] == "0.0.0.0"


def test_the_gateway_settings_it_is_given_are_ones_it_reads():
    source = "".join(path.read_text() for path in (ROOT / "bot").rglob("*.py"))
    for variable in SERVICES["gateway"]["environment"]:
        assert f'"{variable}"' in source, variable


def test_compose_runs_what_the_procfile_runs():
    """The Procfile is the one place the processes' command lines are written (make run, the
    tests and the benchmark start it); docker-compose mirrors it inside its containers."""
    from tools.stack import procfile_commands

    env = {"RASA_PORT": "5005", "ACTIONS_PORT": "5055", "GATEWAY_PORT": "8000", "RASA_ENDPOINTS": "endpoints.yml",
           "XIAOER_INTERNAL_TOKEN": SERVICES["rasa"]["environment"]["XIAOER_INTERNAL_TOKEN"]}
    gateway_cmd = next(line for line in (ROOT / "docker" / "gateway.Dockerfile").read_text().splitlines()
                       if line.startswith("CMD "))
    compose = {
        "rasa": SERVICES["rasa"]["command"],
        "actions": SERVICES["actions"]["command"],
        "gateway": yaml.safe_load(gateway_cmd[4:]),
    }

    def in_a_container(argv):
        argv = [Path(argv[0]).name, *argv[1:]]  # the image's rasa / python, not our venvs'
        if "-i" in argv:  # a container listens on all its interfaces; make run on 127.0.0.1
            at = argv.index("-i")
            del argv[at:at + 2]
        return argv

    procfile = {name: in_a_container(argv) for name, (argv, _) in procfile_commands(env).items()}
    assert procfile == compose


def test_rasa_and_the_gateway_share_a_required_internal_token():
    token = SERVICES["rasa"]["environment"]["XIAOER_INTERNAL_TOKEN"]
    assert token.startswith("${XIAOER_INTERNAL_TOKEN:?"), "compose must refuse to start without one"
    assert SERVICES["gateway"]["environment"]["XIAOER_INTERNAL_TOKEN"] == token
    command = SERVICES["rasa"]["command"]
    assert command[command.index("--auth-token") + 1] == token


def test_a_deployment_is_production_and_brings_its_own_session_secret():
    gateway = SERVICES["gateway"]["environment"]
    assert gateway["XIAOER_ENV"] == "production"
    assert gateway["XIAOER_SESSION_SECRET"].startswith("${XIAOER_SESSION_SECRET:?")


def test_rasa_keeps_trackers_as_long_as_the_shop_keeps_buyers_data():
    """endpoints.yml's record_exp (Rasa 3.6 RedisTrackerStore, seconds) comes from
    XIAOER_TRACKER_TTL_S; compose's default is shop.yml's retention in seconds."""
    from xiaoer.shop import load_shop

    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["record_exp"] == "${XIAOER_TRACKER_TTL_S}"
    seconds = load_shop(ROOT / "shop").retention_seconds
    for service in ("rasa", "gateway"):  # the gateway warns when the two differ
        assert SERVICES[service]["environment"]["XIAOER_TRACKER_TTL_S"] == f"${{XIAOER_TRACKER_TTL_S:-{seconds}}}"


def test_every_starter_gives_rasa_the_shops_retention(tmp_path, capsys):
    import shutil

    from tools.retention_seconds import main as retention_seconds
    from tools.stack import LiveBot
    from xiaoer.shop import load_shop

    seconds = load_shop(ROOT / "shop").retention_seconds
    assert retention_seconds([]) == 0 and capsys.readouterr().out == f"{seconds}\n"
    bot = LiveBot(tmp_path, "redis://127.0.0.1:6379/0")
    assert bot.env()["XIAOER_TRACKER_TTL_S"] == str(seconds)
    shutil.copytree(ROOT / "shop", bot.shop_dir)  # a test stack runs its own copy of the shop
    shop_yml = bot.shop_dir / "shop.yml"
    shop_yml.write_text(shop_yml.read_text(encoding="utf-8").replace("retention_days: 90", "retention_days: 7"),
                        encoding="utf-8")
    assert bot.env()["XIAOER_TRACKER_TTL_S"] == str(7 * 86400)
    assert retention_seconds([str(bot.shop_dir)]) == 0 and capsys.readouterr().out == f"{7 * 86400}\n"
    run_sh = (ROOT / "tools" / "run.sh").read_text()
    assert "XIAOER_TRACKER_TTL_S=$(.venv/bin/python -m tools.retention_seconds)" in run_sh
    assert "export XIAOER_TRACKER_TTL_S" in run_sh

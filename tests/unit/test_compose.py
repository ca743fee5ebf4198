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

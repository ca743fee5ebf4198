"""The public names (xiaoer/contract.py) are the ones Rasa's domain uses (the actions'
hand-off reasons are checked in tests/actions/test_handoff_reasons.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from xiaoer.contract import ENTITIES, HANDOFF_REASONS, INTENTS, URGENT_REASONS

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_domain_lists_the_contract_intents_and_entities():
    assert DOMAIN["intents"] == list(INTENTS)
    assert DOMAIN["entities"] == list(ENTITIES)


def test_every_name_has_words_for_staff():
    assert all(INTENTS.values()) and all(HANDOFF_REASONS.values())
    assert URGENT_REASONS <= set(HANDOFF_REASONS)


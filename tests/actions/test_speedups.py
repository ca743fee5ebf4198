"""The compiled action-response check accepts and rejects what Rasa's own check does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import components  # noqa: F401  (installs the speed-up, as loading a model does)
from components.speedups import validate_action_result

SPEC = RemoteAction.action_response_format_spec()
CASES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "sku", "value": "JN-2801"}], "responses": [{"response": "utter_greet"}]},
    {},
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": "nope"},
]


def test_installed_when_the_components_load():
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("result", CASES)
def test_same_verdict_as_jsonschema_validate(result):
    try:
        jsonschema.validate(result, SPEC)
        expected_ok = True
    except jsonschema.ValidationError:
        expected_ok = False
    if expected_ok:
        assert validate_action_result(None, result) is True
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            validate_action_result(None, result)

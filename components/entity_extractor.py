"""Entities with normalised values, in Rasa's format, from ``xiaoer.entities``.

The parsing and unit conversion (一米六五 -> 165 cm, 一百一十斤 -> 55 kg, 两尺一 -> 69.9 cm,
jn2801 -> JN-2801, ...) are plain functions with their own tests (tests/unit/
test_entities.py). This component only hands them the message text and the shop catalog
(``xiaoer.shop.load_shop(shop_path).catalog_for_nlu()``, read when the model is trained or
loaded; when loaded, from ``XIAOER_SHOP_DIR`` if set, the shop the actions answer from) and
adds what they find to the message, with ``extractor`` set.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from xiaoer.entities import extract_entities
from xiaoer.shop import load_shop

logger = logging.getLogger(__name__)


def to_rasa(found: Dict[str, Any]) -> Dict[str, Any]:
    """One ``extract_entities`` result as a Rasa entity dict (extractor added later)."""
    entity = {
        ENTITY_ATTRIBUTE_TYPE: found["entity"],
        ENTITY_ATTRIBUTE_VALUE: found["value"],
        ENTITY_ATTRIBUTE_START: found["start"],
        ENTITY_ATTRIBUTE_END: found["end"],
        ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
        "text": found["text"],
    }
    if found.get("role"):
        entity[ENTITY_ATTRIBUTE_ROLE] = found["role"]
    return entity


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ShopEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Rule-based entities (height, weight, waist, hip, sizes, colour, price, courier,
    region, order id, sku) with values normalised by ``xiaoer.entities``."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"shop_path": "shop"}

    def __init__(self, config: Dict[Text, Any], catalog: Optional[dict]) -> None:
        self._config = config
        self.catalog = catalog

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        path = os.path.join(config.get("shop_path") or "shop", "catalog.yml")
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ShopEntityExtractor":
        # A broken shop folder stops training or serving with the file and line at fault
        # (ShopConfigError), as it stops the gateway.
        return cls(config, load_shop(config["shop_path"]).catalog_for_nlu())

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ShopEntityExtractor":
        # Serving reads the shop the actions and the gateway read (XIAOER_SHOP_DIR), so an
        # imported catalogue's names, codes and colours are entities without retraining: the
        # rules need no training, only the catalogue.
        shop_dir = os.environ.get("XIAOER_SHOP_DIR")
        return cls.create({**config, "shop_path": shop_dir} if shop_dir else config, model_storage, resource,
                          execution_context)

    def entities(self, text: Text) -> List[Dict[str, Any]]:
        return self.add_extractor_name([to_rasa(e) for e in extract_entities(text, self.catalog)])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.entities(text)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training examples carry no entity annotations (DIET classifies intents only);
        # nothing to add at training time.
        return training_data

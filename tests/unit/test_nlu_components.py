"""The custom Rasa NLU components (components/), exercised through Rasa's own classes.

They need Rasa, which lives in Rasa's environment (.venv-rasa); run from the gateway's
environment, this file runs itself there (one test that reports the inner run).
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

if importlib.util.find_spec("rasa") is None:

    def test_components_in_rasa_environment():
        if not RASA_PYTHON.exists():
            pytest.skip("Rasa's environment (.venv-rasa) is not built: run `make setup`")
        run = subprocess.run([str(RASA_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]

else:
    import numpy as np
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )
    from rasa.nlu.tokenizers.tokenizer import Token
    from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from components.entity_extractor import ShopEntityExtractor
    from components.intent_classifier import (
        SentenceLogRegClassifier,
        smoothed_idf,
        sublinear_tfidf,
    )
    from components.sentence_encoder import SentenceEncoderFeaturizer
    from components.tokenizer import (
        ShopJiebaTokenizer,
        merge_spans,
        vocabulary_fingerprint,
    )

    @pytest.fixture
    def storage(tmp_path):
        return LocalModelStorage(tmp_path)

    @pytest.fixture
    def context():
        return ExecutionContext(GraphSchema({}), "test")

    def make(component, config, storage, context, name):
        return component.create({**component.get_default_config(), **config}, storage,
                                Resource(name), context)

    @pytest.fixture
    def tokenizer(storage, context):
        return make(ShopJiebaTokenizer, {"dictionary_path": str(ROOT / "vocab")}, storage, context, "tok")

    def words(tokenizer, text):
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        return [t.text for t in message.get(TOKENS_NAMES[TEXT])]

    def test_merge_spans_keeps_haoxing_whole():
        tokens = [Token("175", 0), Token("/", 3), Token("92A", 4), Token("是", 7)]
        assert [t.text for t in merge_spans(tokens, "175/92A是")] == ["175/92A", "是"]
        other = [Token("165", 0), Token("/", 3), Token("50", 4)]
        assert [t.text for t in merge_spans(other, "165/50")] == ["165", "/", "50"]

    @pytest.mark.parametrize("text,word", [
        ("有运费险吗", "运费险"), ("雾蓝的碎花连衣裙", "雾蓝"), ("175/92A是什么码", "175/92A"),
        ("帮我转人工", "转人工"), ("高腰直筒牛仔裤还有吗", "高腰直筒牛仔裤"),
    ])
    def test_tokenizer_uses_the_shop_vocabulary(tokenizer, text, word):
        assert word in words(tokenizer, text)

    def test_vocabulary_changes_change_the_fingerprint(tmp_path):
        folder = tmp_path / "vocab"
        folder.mkdir()
        (folder / "shop.txt").write_text("雾蓝 20000\n", encoding="utf-8")
        before = vocabulary_fingerprint(str(folder))
        (folder / "shop.txt").write_text("雾蓝 20000\n烟粉 20000\n", encoding="utf-8")
        assert vocabulary_fingerprint(str(folder)) != before
        assert ShopJiebaTokenizer.fingerprint_addon({"dictionary_path": str(folder)}) == \
            vocabulary_fingerprint(str(folder))
        assert vocabulary_fingerprint(None) is None

    def test_entity_extractor_adds_normalised_entities_in_rasa_format(storage, context):
        extractor = make(ShopEntityExtractor, {"shop_path": str(ROOT / "shop")}, storage, context, "ent")
        message = Message(data={TEXT: "我一米六五一百一十斤,jn2801浅蓝色拍什么码"})
        extractor.process([message])
        found = {e["entity"]: e for e in message.get(ENTITIES)}
        assert found["height"]["value"] == 165 and found["weight"]["value"] == 55.0
        assert found["sku"]["value"] == "JN-2801" and found["color"]["value"] == "浅蓝"
        for entity in found.values():
            assert entity["extractor"] == "ShopEntityExtractor"
            assert message.get(TEXT)[entity["start"]:entity["end"]] == entity["text"]

    def test_entity_extractor_keeps_other_extractors_entities(storage, context):
        extractor = make(ShopEntityExtractor, {"shop_path": str(ROOT / "shop")}, storage, context, "ent")
        earlier = {"entity": "x", "value": 1, "start": 0, "end": 1, "extractor": "Other"}
        message = Message(data={TEXT: "发顺丰到新疆", ENTITIES: [earlier]})
        extractor.process([message])
        assert [e["entity"] for e in message.get(ENTITIES)] == ["x", "courier", "region"]

    def featurizers(tokenizer, storage, context, data):
        """Tokenize and featurize ``data`` as the pipeline does (the count vectorizers are
        trained on it); returns a function that featurizes more messages the same way."""
        cvfs = []
        for i, config in enumerate([{"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3}, {}]):
            cvfs.append(make(CountVectorsFeaturizer, config, storage, context, f"cvf{i}"))
        encoder = make(SentenceEncoderFeaturizer, {}, storage, context, "use")
        tokenizer.process_training_data(data)
        for cvf in cvfs:
            cvf.train(data)
            cvf.process_training_data(data)
        encoder.process_training_data(data)

        def more(messages):
            tokenizer.process(messages)
            for cvf in cvfs:
                cvf.process(messages)
            encoder.process(messages)
            return messages

        return more

    def featurized(tokenizer, storage, context, texts_intents):
        data = TrainingData([Message(data={TEXT: t, INTENT: i}) for t, i in texts_intents])
        featurizers(tokenizer, storage, context, data)
        return data

    def test_sentence_encoder_features(tokenizer, storage, context):
        data = featurized(tokenizer, storage, context, [("物流怎么不动了", "a"), ("包裹一直没更新", "a")])
        first, second = data.training_examples
        sequence, sentence = first.get_dense_features(TEXT)
        assert sentence.features.shape == (1, 512)
        assert sequence.features.shape == (len(first.get(TOKENS_NAMES[TEXT])), 512)
        a, b = (m.get_dense_features(TEXT)[1].features[0] for m in (first, second))
        assert float(a @ b) > 0.3  # same meaning, no shared word

    def test_classifier_trains_persists_loads_and_ranks(tokenizer, storage, context):
        examples = [("几天能到", "ask_shipping"), ("发什么快递", "ask_shipping"), ("能发顺丰吗", "ask_shipping"),
                    ("有色差吗", "color_difference"), ("和图片一样吗", "color_difference"),
                    ("是实拍吗", "color_difference"), ("你好", "greet"), ("在吗", "greet"), ("哈喽", "greet")]
        data = TrainingData([Message(data={TEXT: t, INTENT: i}) for t, i in examples])
        more = featurizers(tokenizer, storage, context, data)
        resource = Resource("clf")
        classifier = SentenceLogRegClassifier.create(SentenceLogRegClassifier.get_default_config(),
                                                     storage, resource, context)
        classifier.train(data)
        loaded = SentenceLogRegClassifier.load(SentenceLogRegClassifier.get_default_config(),
                                               storage, resource, context)
        shipping, greet = more([Message(data={TEXT: "顺丰几天能到"}), Message(data={TEXT: "在不在"})])
        loaded.process([shipping, greet])
        assert shipping.get(INTENT)["name"] == "ask_shipping"
        assert greet.get(INTENT)["name"] == "greet"
        ranking = shipping.get(INTENT_RANKING_KEY)
        assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
        assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=1e-5)

    def test_tfidf_matches_sklearn():
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import TfidfTransformer

        counts = csr_matrix(np.array([[3, 0, 1], [0, 2, 0], [1, 1, 0]]))
        expected = TfidfTransformer(sublinear_tf=True).fit_transform(counts).toarray()
        assert np.allclose(sublinear_tfidf(counts, smoothed_idf(counts)).toarray(), expected)

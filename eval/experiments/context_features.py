"""Issue #11: does the seller's previous turn help the classifier read real buyers?

    .venv-rasa/bin/python eval/experiments/context_features.py [--rows 0,1] [--round3] [--cache /tmp/xiaoer-ctx]

Rebuilds the committed features in scikit-learn (jieba with the shop vocabulary, tf-idf of
character 1-3-grams and of jieba words, the USE sentence vector scaled by 2, one logistic
regression with C = 10) and adds the message's context, the turn before it (`prev` in
labels/real_buyers/*.jsonl), in several ways. Trained on data/nlu (written examples with no
previous turn, real_buyers.yml with the train split's `prev`), scored on the **dev** splits
only (real and written): held-out is never read here.

Each row: real dev accuracy at the fallback threshold that is best for it on real dev
(nlu_fallback counted as out_of_scope, as make eval does), that threshold, accuracy on the
dev messages that need the previous turn (needs_prev) and on those that have a `prev` but
do not need it, and the written dev macro-F1 at the same threshold, twice: with no previous
turn, and with a bot reply (a random variant of scripts_zh) as the previous turn, which is
what the bot will send at run time: its own script, not a human seller's words.

USE vectors are cached in --cache (one encode of each distinct text, ~1 ms each). Each row
fits one logistic regression: 2-10 minutes on the 2 shared cores; --rows 0,1 runs two rows,
--round3 also trains on labels/real_buyers/round3.jsonl (with its `prev`). The bot replies
drawn for the written dev split come from scripts_zh as it stands, so that column moves a
little when the scripts change.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

OOS, FALLBACK = "out_of_scope", "nlu_fallback"
THRESHOLDS = [0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
SHORT_ANSWERS = {"可以", "好的", "好", "行", "嗯", "嗯嗯", "是的", "是", "对", "不是", "没有", "不用", "不用了",
                 "有", "要", "不要", "没", "哦", "恩", "恩恩", "好吧", "可以的", "对的", "没有了"}


# --------------------------------------------------------------------------- data


def yml_examples(path: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).training_examples]


def real_rows(split: str) -> list[dict]:
    from tools.real_buyers_nlu import LABELS, clean

    rows = []
    for line in (LABELS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        text = clean(r["text"])
        if text:
            rows.append({"text": text, "intent": r["intent"], "needs_prev": bool(r["needs_prev"]),
                         "prev": last_chars(clean(r["prev"] or ""))})
    return rows


def last_chars(prev: str, limit: int = 200) -> str:
    """The end of the previous turn (the gateway sends at most 200 characters of the bot's reply)."""
    return prev[-limit:]


def training_set(with_round3: bool) -> list[dict]:
    """data/nlu as training examples; the real ones with the `prev` of the train line they come
    from (the first line of each normalised text, as tools/real_buyers_nlu.py keeps it)."""
    from tools.real_buyers_nlu import TRAINING_FILE, normaliser, written_examples

    normalise = normaliser()
    written = [p for p in sorted((ROOT / "data" / "nlu").glob("*.yml")) if p != TRAINING_FILE]
    rows = [{"text": t, "intent": i, "prev": "", "real": False} for p in written for t, i in yml_examples(p)]
    taken = written_examples()
    prev_of: dict[str, str] = {}
    for r in real_rows("train"):
        prev_of.setdefault(r["text"], r["prev"])
    for t, i in yml_examples(TRAINING_FILE):
        rows.append({"text": t, "intent": i, "prev": prev_of.get(t, ""), "real": True})
        taken.add(normalise(t))
    if with_round3:
        for r in real_rows("round3"):
            key = normalise(r["text"])
            if key not in taken:
                taken.add(key)
                rows.append({"text": r["text"], "intent": r["intent"], "prev": r["prev"], "real": True})
    return rows


def bot_replies() -> list[str]:
    """Every reply variant of the bot's scripts, placeholders blanked: stand-ins for the
    previous turn at run time."""
    import yaml

    texts = []
    for path in sorted((ROOT / "scripts_zh").glob("*.yml")):
        for value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).values():
            if isinstance(value, dict):
                texts += [re.sub(r"\{[^}]*\}", "", v) for v in value.get("variants") or [] if isinstance(v, str)]
    return [last_chars(t) for t in texts if t.strip()]


# --------------------------------------------------------------------------- features


class Featurizer:
    """jieba (shop vocabulary) + CountVectorizers like the pipeline's, tf-idf as the
    classifier computes it (components/intent_classifier.py), and cached USE vectors."""

    def __init__(self, cache: Path):
        import jieba

        jieba.setLogLevel(60)
        for path in sorted((ROOT / "vocab").glob("*")):
            jieba.load_userdict(str(path))
        self._jieba = jieba
        self._cache_path = cache / "use.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self._cache_path.exists():
            with np.load(self._cache_path) as z:
                self._vectors = dict(zip(json.loads(str(z["texts"])), z["vectors"]))

    def tokens(self, text: str) -> list[str]:
        return [t.lower() for t, _, _ in self._jieba.tokenize(text) if t.strip()]

    def use(self, texts: list[str]) -> np.ndarray:
        from components.encoder import embed

        todo = sorted({t for t in texts if t and t not in self._vectors})
        if todo:
            started = time.monotonic()
            for i in range(0, len(todo), 256):
                for t, v in zip(todo[i:i + 256], embed(todo[i:i + 256])):
                    self._vectors[t] = v
            print(f"  (encoded {len(todo)} texts in {time.monotonic() - started:.0f} s)", flush=True)
            texts_all = list(self._vectors)
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self._cache_path, texts=json.dumps(texts_all, ensure_ascii=False),
                     vectors=np.stack([self._vectors[t] for t in texts_all]))
        zero = np.zeros(512, dtype=np.float32)
        return np.stack([self._vectors[t] if t else zero for t in texts]).astype(np.float64)


class Sparse:
    """Character 1-3-grams (char_wb over the joined tokens) and jieba words, tf-idf with the
    classifier's sub-linear tf, smoothed idf and L2 rows; fitted on the given texts."""

    def __init__(self, featurizer: Featurizer, texts: list[str]):
        from sklearn.feature_extraction.text import CountVectorizer

        from components.intent_classifier import smoothed_idf

        self.f = featurizer
        self.char = CountVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=True)
        self.word = CountVectorizer(analyzer=lambda x: x)
        joined, toks = self._prepare(texts)
        counts = sp.hstack([self.char.fit_transform(joined), self.word.fit_transform(toks)]).tocsr()
        self.idf = smoothed_idf(counts)

    def _prepare(self, texts):
        toks = [self.f.tokens(t) for t in texts]
        return [" ".join(t) for t in toks], toks

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        from components.intent_classifier import sublinear_tfidf

        joined, toks = self._prepare(texts)
        counts = sp.hstack([self.char.transform(joined), self.word.transform(toks)]).tocsr()
        x = sublinear_tfidf(counts, self.idf)
        empty = np.array([not t for t in texts])
        if empty.any():  # no previous turn: a zero row, not the tf-idf of nothing
            x = sp.diags((~empty).astype(float)) @ x
        return sp.csr_matrix(x)


# --------------------------------------------------------------------------- scoring


def decide(probabilities: np.ndarray, classes: list[str], threshold: float) -> list[str]:
    top = probabilities.argmax(axis=1)
    return [FALLBACK if p[i] < threshold else classes[i] for p, i in zip(probabilities, top)]


def routed(intent: str) -> str:
    return OOS if intent in (OOS, FALLBACK) else intent


def accuracy(gold, predicted) -> float:
    return float(np.mean([g == routed(p) for g, p in zip(gold, predicted)])) if gold else 0.0


def macro_f1(gold, predicted) -> float:
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    return float(f1_score(gold, [routed(p) for p in predicted], labels=labels, average="macro", zero_division=0))


# --------------------------------------------------------------------------- variants


class Experiment:
    def __init__(self, cache: Path, with_round3: bool = False):
        self.f = Featurizer(cache)
        self.train = training_set(with_round3)
        self.dev = real_rows("dev")
        self.written_dev = [{"text": t, "intent": i, "prev": ""} for t, i in yml_examples(ROOT / "eval" / "nlu_dev.yml")]
        replies = bot_replies()
        rng = random.Random(11)
        self.written_dev_bot = [{**r, "prev": rng.choice(replies)} for r in self.written_dev]
        every = self.train + self.dev + self.written_dev + self.written_dev_bot
        self.f.use([r["text"] for r in every] + [r["prev"] for r in every]
                   + [joined(r) for r in every if r["prev"]])
        self.text_sparse = Sparse(self.f, [r["text"] for r in self.train])
        prevs = [r["prev"] for r in self.train if r["prev"]]
        self.prev_sparse = Sparse(self.f, prevs)

    def blocks(self, rows: list[dict], v: dict) -> sp.csr_matrix:
        texts = [r["text"] for r in rows]
        prevs = [r["prev"] if gate(r, v.get("gate")) else "" for r in rows]
        parts = [self.text_sparse.transform(texts), sp.csr_matrix(self.f.use(texts) * 2.0)]
        if v.get("use_prev"):
            parts.append(sp.csr_matrix(self.f.use(prevs) * v["use_prev"]))
        if v.get("tfidf_prev"):
            parts.append(self.prev_sparse.transform(prevs) * v["tfidf_prev"])
        if v.get("use_joined"):
            parts.append(sp.csr_matrix(self.f.use([joined({"text": t, "prev": p}) if p else t
                                                   for t, p in zip(texts, prevs)]) * v["use_joined"]))
        return sp.hstack(parts).tocsr()

    def run(self, v: dict) -> dict:
        from sklearn.linear_model import LogisticRegression

        train = self.train
        if v.get("drop_prev"):  # prev dropout: a real example also trains without its context
            rng = random.Random(3)
            train = train + [{**r, "prev": ""} for r in train if r["prev"] and rng.random() < v["drop_prev"]]
        started = time.monotonic()
        model = LogisticRegression(C=v.get("C", 10.0), max_iter=3000)
        model.fit(self.blocks(train, v), [r["intent"] for r in train])
        classes = [str(c) for c in model.classes_]
        seconds = time.monotonic() - started
        p_dev = model.predict_proba(self.blocks(self.dev, v))
        p_dev_alone = model.predict_proba(self.blocks([{**r, "prev": ""} for r in self.dev], v))
        p_written = model.predict_proba(self.blocks(self.written_dev, v))
        p_written_bot = model.predict_proba(self.blocks(self.written_dev_bot, v))
        gold = [r["intent"] for r in self.dev]
        best = max(THRESHOLDS, key=lambda t: (accuracy(gold, decide(p_dev, classes, t)), -t))
        pred = decide(p_dev, classes, best)
        sub = lambda key: [i for i, r in enumerate(self.dev) if key(r)]  # noqa: E731
        need = sub(lambda r: r["needs_prev"])
        has = sub(lambda r: r["prev"] and not r["needs_prev"])
        wgold = [r["intent"] for r in self.written_dev]
        return {
            "real_dev": accuracy(gold, pred), "threshold": best,
            "real_dev_035": accuracy(gold, decide(p_dev, classes, 0.35)),
            "needs_prev": accuracy([gold[i] for i in need], [pred[i] for i in need]),
            "has_prev": accuracy([gold[i] for i in has], [pred[i] for i in has]),
            "real_dev_no_prev": accuracy(gold, decide(p_dev_alone, classes, best)),
            "real_dev_f1": macro_f1(gold, pred),
            "written_f1": macro_f1(wgold, decide(p_written, classes, best)),
            "written_f1_bot_prev": macro_f1(wgold, decide(p_written_bot, classes, best)),
            "written_f1_035": macro_f1(wgold, decide(p_written, classes, 0.35)),
            "written_f1_bot_prev_035": macro_f1(wgold, decide(p_written_bot, classes, 0.35)),
            "seconds": seconds, "n_train": len(train),
        }


def joined(r: dict) -> str:
    return f"{r['prev']} ‖ {r['text']}"


def gate(r: dict, kind: str | None) -> bool:
    """Whether a message's previous turn is used: always, or for short messages / short answers."""
    if kind is None:
        return True
    bare = re.sub(r"[\s\W_]+", "", r["text"])
    if kind == "short":
        return len(bare) <= 6
    if kind == "answers":
        return bare in SHORT_ANSWERS or re.sub(r"[啊呀呢吧哦啦的了]+$", "", bare) in SHORT_ANSWERS
    raise ValueError(kind)


VARIANTS = [  # the rows of the table in eval/README.md, in its order
    ("committed features, no context", {}),
    ("+ USE(prev) x1", {"use_prev": 1.0}),
    ("+ tf-idf(prev) x0.5", {"tfidf_prev": 0.5}),
    ("+ USE(prev) x1, each real example also without prev", {"use_prev": 1.0, "drop_prev": 1.0}),
    ("+ USE(prev) x1, short messages only (<= 6 chars)", {"use_prev": 1.0, "gate": "short"}),
    ("+ USE(prev) x1, short answers only (可以/好的/不是/没有...)", {"use_prev": 1.0, "gate": "answers"}),
    ("+ USE(prev ‖ text) x1", {"use_joined": 1.0}),
]
QUICK = {"committed features, no context", "+ USE(prev) x1", "+ tf-idf(prev) x0.5"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/xiaoer-ctx")
    parser.add_argument("--quick", action="store_true", help="three rows only")
    parser.add_argument("--round3", action="store_true", help="also train on labels/real_buyers/round3.jsonl")
    parser.add_argument("--only", help="run the variants whose name contains this")
    parser.add_argument("--rows", help="run these rows of the table only (comma-separated numbers from 0)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    exp = Experiment(Path(args.cache), with_round3=args.round3)
    print(f"training {len(exp.train)} examples ({sum(r['real'] for r in exp.train)} real, "
          f"{sum(bool(r['prev']) for r in exp.train)} with a previous turn); real dev {len(exp.dev)} "
          f"({sum(r['needs_prev'] for r in exp.dev)} need it); written dev {len(exp.written_dev)}"
          + (" [+ round3]" if args.round3 else ""), flush=True)
    header = (f"| variant | real dev acc. | thr | at 0.35 | needs prev ({sum(r['needs_prev'] for r in exp.dev)}) "
              f"| has prev, clear alone | real dev, prev withheld | written dev F1 | written, bot reply as prev "
              f"| written F1 at 0.35 | written, bot reply, at 0.35 | fit s |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    rows = {int(n) for n in args.rows.split(",")} if args.rows else None
    for number, (name, v) in enumerate(VARIANTS):
        if ((args.quick and name not in QUICK) or (args.only and args.only not in name)
                or (rows is not None and number not in rows)):
            continue
        s = exp.run(v)
        print(f"| {name} | {s['real_dev']:.3f} | {s['threshold']:.2f} | {s['real_dev_035']:.3f} | {s['needs_prev']:.3f} | {s['has_prev']:.3f} "
              f"| {s['real_dev_no_prev']:.3f} | {s['written_f1']:.3f} | {s['written_f1_bot_prev']:.3f} "
              f"| {s['written_f1_035']:.3f} | {s['written_f1_bot_prev_035']:.3f} | {s['seconds']:.0f} |", flush=True)
    print(f"({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

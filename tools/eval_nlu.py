"""`make eval`: train the NLU on the training split, test it on data it never saw.

    .venv-rasa/bin/python tools/eval_nlu.py [--config config.yml] [--train data/nlu]
        [--dev eval/nlu_dev.yml] [--test eval/nlu_heldout.yml] [--out results]
        [--model path/to/nlu-model.tar.gz]

1. Checks the splits (eval/check_overlap.py): no held-out or dev line is a training line.
2. Trains an NLU model on the training split only, from scratch (empty cache), timed, with
   a progress line (elapsed time, the component being trained).
3. Parses the development split and the held-out split with it.
4. Scores both, with the FallbackClassifier thresholds of the config: per-intent precision,
   recall and F1, macro-F1, the share of out-of-scope messages that end as out_of_scope or
   nlu_fallback ("caught") and of in-scope messages that end as nlu_fallback or
   out_of_scope ("rejected").
5. Scores a keyword baseline on the same splits: the nearest training example by rapidfuzz
   over jieba tokens, out_of_scope below a cut-off chosen on the development split.
6. On the development split only: sweeps the fallback thresholds and the FAQ retrieval
   threshold (actions/faq.py), so the values in config.yml and actions/faq.py can be
   justified with numbers without looking at the held-out split.
7. Writes results/nlu_eval.json, results/nlu_confusion.png and prints a summary.

Scoring rule: the bot routes nlu_fallback and out_of_scope alike (it says what it can do
or asks back), so for the end-to-end scores a prediction of nlu_fallback counts as
out_of_scope. The classifier's own top intent (no fallback) is scored too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

OOS = "out_of_scope"
FALLBACK = "nlu_fallback"
NOT_UNDERSTOOD = {OOS, FALLBACK}


# --------------------------------------------------------------------------- data


def load_examples(path: str) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(path)
    return [(m.get("text"), m.get("intent")) for m in data.training_examples]


# --------------------------------------------------------------------------- scoring


def decide(ranking: list[dict], threshold: float, ambiguity: float) -> str:
    """What the FallbackClassifier makes of a raw ranking at these thresholds."""
    if not ranking:
        return FALLBACK
    top = ranking[0]["confidence"]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return FALLBACK
    return ranking[0]["name"]


def as_route(intent: str) -> str:
    """nlu_fallback and out_of_scope take the same road: both count as out_of_scope."""
    return OOS if intent in NOT_UNDERSTOOD else intent


def score(gold: list[str], predicted: list[str], labels: list[str]) -> dict:
    """Per-intent precision/recall/F1, macro-F1 (over the intents the split has), accuracy,
    OOS caught, in-scope rejected."""
    from sklearn.metrics import precision_recall_fscore_support

    routed = [as_route(p) for p in predicted]
    p, r, f, support = precision_recall_fscore_support(
        gold, routed, labels=labels, zero_division=0)
    per_intent = {
        label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4), "support": int(support[i])}
        for i, label in enumerate(labels)
    }
    oos = [x for g, x in zip(gold, predicted) if g == OOS]
    ins = [x for g, x in zip(gold, predicted) if g != OOS]
    present = [i for i, label in enumerate(labels) if support[i]]  # intents this split has
    return {
        "macro_f1": round(float(f[present].mean()) if present else 0.0, 4),
        "accuracy": round(sum(g == x for g, x in zip(gold, routed)) / len(gold), 4),
        "oos_caught": round(sum(x in NOT_UNDERSTOOD for x in oos) / max(1, len(oos)), 4),
        "in_scope_rejected": round(sum(x in NOT_UNDERSTOOD for x in ins) / max(1, len(ins)), 4),
        "in_scope_fallback": round(sum(x == FALLBACK for x in ins) / max(1, len(ins)), 4),
        "n": len(gold), "n_oos": len(oos),
        "per_intent": per_intent,
    }


def report(title: str, s: dict) -> str:
    lines = [f"\n{title}", f"  {'intent':22s} {'prec':>6s} {'recall':>6s} {'f1':>6s} {'n':>4s}"]
    for label, m in s["per_intent"].items():
        lines.append(f"  {label:22s} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:4d}")
    lines.append(f"  macro-F1 {s['macro_f1']:.3f}   accuracy {s['accuracy']:.3f}   "
                 f"OOS caught {s['oos_caught']:.1%}   in-scope rejected {s['in_scope_rejected']:.1%} "
                 f"(nlu_fallback {s['in_scope_fallback']:.1%})")
    return "\n".join(lines)


def errors(examples, predicted, limit=400) -> list[dict]:
    return [{"text": t, "gold": g, "predicted": p}
            for (t, g), p in zip(examples, predicted) if as_route(p) != g][:limit]


def confusion_png(gold, predicted, labels, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    cm = confusion_matrix(gold, [as_route(p) for p in predicted], labels=labels)
    fig, ax = plt.subplots(figsize=(11, 9))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("predicted (nlu_fallback counted as out_of_scope)")
    ax.set_ylabel("true intent")
    ax.set_title(title)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- baseline


class KeywordBaseline:
    """What a shop could write in an afternoon: the nearest training example by rapidfuzz
    over jieba tokens; below ``cutoff`` (0-100) the message is out_of_scope."""

    def __init__(self, train: list[tuple[str, str]]):
        from xiaoer.matching import tokens

        self._tokens = tokens
        self.texts = [" ".join(tokens(t)) for t, _ in train]
        self.intents = [i for _, i in train]

    def nearest(self, text: str) -> tuple[str, float]:
        from rapidfuzz import fuzz, process

        query = " ".join(self._tokens(text))
        if not query:
            return OOS, 0.0
        _, best, index = process.extractOne(query, self.texts, scorer=fuzz.token_set_ratio)
        return self.intents[index], best

    def predict(self, text: str, cutoff: float) -> str:
        intent, best = self.nearest(text)
        return intent if best >= cutoff else OOS


# --------------------------------------------------------------------------- the model


class TrainingProgress(logging.Handler):
    """A progress line while Rasa trains: elapsed time, components done, the one running.
    Fed by Rasa's own "Starting/Finished training component" log records."""

    START, END = "Starting to train component '", "Finished training component '"

    def __init__(self):
        super().__init__(logging.INFO)
        import threading

        from tqdm import tqdm

        self.bar = tqdm(desc="training", unit=" component", bar_format="{desc}: {n} done [{elapsed}] {postfix}")
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def _tick(self):
        while not self._stop.wait(0.5):
            self.bar.refresh()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(self.START):
            self.bar.set_postfix_str(message[len(self.START):].rstrip("'."))
        elif message.startswith(self.END):
            self.bar.update(1)
            self.bar.set_postfix_str("")

    def __enter__(self):
        hooks = logging.getLogger("rasa.engine.training.hooks")
        self._level, self._propagate = hooks.level, hooks.propagate
        hooks.setLevel(logging.INFO)
        hooks.propagate = False  # shown on the progress line, not printed as log lines
        hooks.addHandler(self)
        self._ticker.start()
        return self

    def __exit__(self, *exc):
        hooks = logging.getLogger("rasa.engine.training.hooks")
        hooks.removeHandler(self)
        hooks.setLevel(self._level)
        hooks.propagate = self._propagate
        self._stop.set()
        self.bar.set_postfix_str("done")
        self.bar.close()


def train(config: str, train_path: str, out_dir: Path) -> tuple[str, float]:
    from rasa.model_training import train_nlu

    started = time.monotonic()
    with TrainingProgress():
        model = train_nlu(config=config, nlu_data=train_path, output=str(out_dir),
                          fixed_model_name="nlu-eval", domain="domain.yml")
    return model, time.monotonic() - started


def parse_all(model_path: str, texts: list[str], label: str) -> list[dict]:
    from rasa.core.agent import Agent
    from tqdm import tqdm

    agent = Agent.load(model_path)

    async def run():
        return [await agent.parse_message(t) for t in tqdm(texts, desc=f"parsing {label}", unit="msg")]

    return asyncio.run(run())


def raw_ranking(parsed: dict) -> list[dict]:
    """The classifier's ranking without the FallbackClassifier's inserted entry."""
    return [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]


def fallback_config(config_path: str) -> tuple[float, float]:
    import yaml

    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    for step in config.get("pipeline") or []:
        if step.get("name") == "FallbackClassifier":
            return float(step.get("threshold", 0.3)), float(step.get("ambiguity_threshold", 0.1))
    return 0.0, 0.0


# --------------------------------------------------------------------------- sweeps (dev only)


def sweep_fallback(gold, rankings, labels) -> list[dict]:
    rows = []
    for threshold in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]:
        for ambiguity in [0.0, 0.05, 0.1, 0.15, 0.2]:
            predicted = [decide(r, threshold, ambiguity) for r in rankings]
            s = score(gold, predicted, labels)
            rows.append({"threshold": threshold, "ambiguity_threshold": ambiguity,
                         "macro_f1": s["macro_f1"], "oos_caught": s["oos_caught"],
                         "in_scope_rejected": s["in_scope_rejected"]})
    return rows


def sweep_baseline(baseline, examples, labels) -> tuple[float, list[dict]]:
    gold = [g for _, g in examples]
    nearest = [baseline.nearest(t) for t, _ in examples]
    rows = []
    for cutoff in range(30, 101, 5):
        predicted = [i if s >= cutoff else OOS for i, s in nearest]
        rows.append({"cutoff": cutoff, "macro_f1": score(gold, predicted, labels)["macro_f1"]})
    best = max(rows, key=lambda r: r["macro_f1"])
    return best["cutoff"], rows


def sweep_faq(examples, parsed, threshold_now: float) -> dict:
    """FAQ retrieval on the dev split: for each message, the nearest script question. An
    answer is right when the script answers the message's intent (actions.faq.intent_of_script). Reported over
    all dev messages and over those the classifier gives up on (where the FAQ is used)."""
    from actions.faq import FaqIndex

    index = FaqIndex()
    rows = []
    matches = [index.match(t) for t, _ in examples]
    given_up = [p["intent"]["name"] == FALLBACK for p in parsed]
    for threshold in [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]:
        row = {"threshold": threshold}
        for scope, keep in (("all", [True] * len(examples)), ("on_fallback", given_up)):
            answered = right = oos_answered = 0
            for (text, gold), m, k in zip(examples, matches, keep):
                if not k or m is None or m.score < threshold:
                    continue
                answered += 1
                right += m.intent == gold
                oos_answered += gold == OOS and m.intent != OOS
            row[scope] = {"messages": sum(keep), "answered": answered,
                          "precision": round(right / answered, 4) if answered else None,
                          "oos_answered_wrongly": oos_answered}
        rows.append(row)
    return {"threshold_in_use": threshold_now, "questions": len(index.entries), "rows": rows}


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--train", default="data/nlu")
    parser.add_argument("--dev", default="eval/nlu_dev.yml")
    parser.add_argument("--test", default="eval/nlu_heldout.yml")
    parser.add_argument("--real-dev", default="dev", help="real buyers' dev split (labels/real_buyers/)")
    parser.add_argument("--real-test", default="heldout", help="real buyers' held-out split (labels/real_buyers/)")
    parser.add_argument("--dev-only", action="store_true",
                        help="score the dev splits only (for choosing models and thresholds)")
    parser.add_argument("--out", default="results")
    parser.add_argument("--model", help="score this NLU model instead of training one")
    parser.add_argument("--no-check", action="store_true", help="skip the overlap check")
    args = parser.parse_args(argv)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no per-message debug lines
    logging.getLogger("rasa").setLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    if not args.no_check:
        sys.path.insert(0, str(ROOT / "eval"))
        import contextlib
        import io

        from check_overlap import main as check_overlap

        print("== checking the splits (eval/check_overlap.py)")
        for split in (args.dev, args.test):
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                failed = check_overlap(args.train, split)
            problems = [line for line in captured.getvalue().splitlines()
                        if line.startswith(("LEAK", "TRAINING CLASH", "HELD-OUT REPEAT", "ENTITY"))]
            print(f"   {split}: " + ("no overlap with the training data" if not failed else
                                      f"{len(problems)} problem(s)"))
            if failed:
                print("\n".join(problems))
                print(f"{split} overlaps the training data: fix it before evaluating.")
                return 1

    train_examples = load_examples(args.train)
    from tools.real_buyers_nlu import load_split

    real = {"real_dev": load_split(args.real_dev)}
    splits = {"dev": load_examples(args.dev)}
    if not args.dev_only:
        splits["test"] = load_examples(args.test)
        real["real_test"] = load_split(args.real_test)
    alone: dict[str, str] = {}  # subset -> the split it is taken from
    for name, rows in real.items():
        splits[name] = [(t, i) for t, i, _ in rows]
        # the messages whose intent shows without the seller's previous turn (data/LABELLING.md)
        splits[name + "_alone"] = [(t, i) for t, i, needs_prev in rows if not needs_prev]
        alone[name + "_alone"] = name
    dev = splits["dev"]
    labels = sorted({i for _, i in train_examples})
    seen = {t for t, _ in train_examples}
    for name in ("real_dev", "real_test"):
        if name in splits:  # short real lines ("好的") also occur among the written examples
            same = sum(t in seen for t, _ in splits[name])
            print(f"   {name}: {same} of {len(splits[name])} messages are also a training line")

    if args.model:
        model_path, train_seconds = args.model, None
    else:
        # An empty training cache, so the time is that of training from scratch and
        # nothing cached by `make train` is reused.
        import shutil
        import tempfile

        cache = tempfile.mkdtemp(prefix="xiaoer-eval-cache-")
        os.environ["RASA_CACHE_DIRECTORY"] = cache
        print(f"== training on {args.train} ({len(train_examples)} examples) with {args.config}")
        try:
            model_path, train_seconds = train(args.config, args.train, out / "model")
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        print(f"   trained in {train_seconds:.0f} s")

    threshold, ambiguity = fallback_config(args.config)
    parsed = {name: parse_all(model_path, [t for t, _ in examples], name)
              for name, examples in splits.items() if name not in alone}
    for name, parent in alone.items():  # a subset of a split parsed already: no second parse
        parsed[name] = [p for p, (_, _, needs_prev) in zip(parsed[parent], real[parent]) if not needs_prev]

    results = {"config": args.config, "train": args.train, "dev": args.dev, "test": args.test,
               "real_dev": args.real_dev, "real_test": args.real_test,
               "train_examples": len(train_examples), "train_seconds": train_seconds,
               "fallback": {"threshold": threshold, "ambiguity_threshold": ambiguity}}
    titles = {"dev": "written development", "test": "written held-out",
              "real_dev": "REAL buyers, development", "real_test": "REAL buyers, held-out",
              "real_dev_alone": "REAL buyers, development, clear without the previous turn",
              "real_test_alone": "REAL buyers, held-out, clear without the previous turn"}
    for split, examples in splits.items():
        gold = [g for _, g in examples]
        rankings = [raw_ranking(p) for p in parsed[split]]
        with_fallback = [p["intent"]["name"] for p in parsed[split]]
        top_only = [r[0]["name"] if r else OOS for r in rankings]
        s = score(gold, with_fallback, labels)
        results[split] = {"model": s, "classifier_top_intent": score(gold, top_only, labels),
                          "errors": errors(examples, with_fallback)}
        print(report(f"== {titles[split]} split ({len(examples)} messages): model with fallback "
                     f"{threshold}/{ambiguity}", s))
        if split in ("test", "real_test"):
            png = "nlu_confusion.png" if split == "test" else "nlu_confusion_real.png"
            confusion_png(gold, with_fallback, labels, out / png, f"{titles[split]} confusion")
        elif split in ("dev", "real_dev"):
            results[split]["fallback_sweep"] = sweep_fallback(gold, rankings, labels)
    results["dev"]["faq_sweep"] = sweep_faq(dev, parsed["dev"], _faq_threshold())

    print("\n== keyword baseline (nearest training example, rapidfuzz over jieba tokens)")
    baseline = KeywordBaseline(train_examples)
    cutoff, rows = sweep_baseline(baseline, dev, labels)
    results["baseline"] = {"cutoff_chosen_on_dev": cutoff, "dev_sweep": rows}
    for split, examples in splits.items():
        gold = [g for _, g in examples]
        s = score(gold, [baseline.predict(t, cutoff) for t, _ in examples], labels)
        results["baseline"][split] = s
        print(f"  {split:9s} cut-off {cutoff}: macro-F1 {s['macro_f1']:.3f}  accuracy {s['accuracy']:.3f}  "
              f"OOS caught {s['oos_caught']:.1%}  in-scope rejected {s['in_scope_rejected']:.1%}")

    for split in ("dev", "real_dev"):
        print(f"\n== {titles[split]} split only: fallback thresholds (threshold / ambiguity)")
        print(f"  {'thr':>5s} {'amb':>5s} {'macroF1':>8s} {'OOS caught':>11s} {'in-scope rejected':>18s}")
        for row in results[split]["fallback_sweep"]:
            if row["ambiguity_threshold"] in (0.0, 0.1) or (row["threshold"], row["ambiguity_threshold"]) == (threshold, ambiguity):
                mark = "  <- config.yml" if (row["threshold"], row["ambiguity_threshold"]) == (threshold, ambiguity) else ""
                print(f"  {row['threshold']:5.2f} {row['ambiguity_threshold']:5.2f} {row['macro_f1']:8.3f} "
                      f"{row['oos_caught']:11.1%} {row['in_scope_rejected']:18.1%}{mark}")
    faq = results["dev"]["faq_sweep"]
    print(f"\n== development split only: FAQ retrieval ({faq['questions']} script questions), "
          f"threshold in actions/faq.py = {faq['threshold_in_use']}")
    print(f"  {'thr':>5s} {'answered (all)':>15s} {'precision':>9s} {'OOS answered':>12s} | "
          f"{'answered (on fallback)':>22s} {'precision':>9s}")
    for row in faq["rows"]:
        a, f = row["all"], row["on_fallback"]
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"  {row['threshold']:5.2f} {a['answered']:>6d}/{a['messages']:<8d} {fmt(a['precision']):>9s} "
              f"{a['oos_answered_wrongly']:12d} | {f['answered']:>10d}/{f['messages']:<11d} {fmt(f['precision']):>9s}")

    if args.dev_only:
        (out / "nlu_eval_dev.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\n(dev only: nothing held-out was scored) wrote {out / 'nlu_eval_dev.json'}")
        return 0
    return held_out_summary(results, train_seconds, out)


def held_out_summary(results: dict, train_seconds: float | None, out: Path) -> int:
    """The held-out scores, written and real, each beside its goals."""
    test_s, base_s, real_s = results["test"]["model"], results["baseline"]["test"], results["real_test"]["model"]
    alone_s = results["real_test_alone"]["model"]
    results["summary"] = {
        "heldout_macro_f1": test_s["macro_f1"],
        "baseline_heldout_macro_f1": base_s["macro_f1"],
        "points_above_baseline": round(100 * (test_s["macro_f1"] - base_s["macro_f1"]), 1),
        "heldout_oos_caught": test_s["oos_caught"],
        "heldout_in_scope_rejected": test_s["in_scope_rejected"],
        "real_heldout_accuracy": real_s["accuracy"],
        "real_heldout_macro_f1": real_s["macro_f1"],
        "real_heldout_oos_caught": real_s["oos_caught"],
        "real_heldout_in_scope_rejected": real_s["in_scope_rejected"],
        "real_baseline_accuracy": results["baseline"]["real_test"]["accuracy"],
        "real_heldout_alone_accuracy": alone_s["accuracy"],
        "real_heldout_alone_n": alone_s["n"],
        "train_seconds": train_seconds,
    }
    (out / "nlu_eval.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")

    sm = results["summary"]
    checks = [
        ("written held-out macro-F1 >= 0.92", sm["heldout_macro_f1"] >= 0.92),
        ("written: at least 10 points above the keyword baseline", sm["points_above_baseline"] >= 10),
        ("written: >= 90% of out-of-scope caught", sm["heldout_oos_caught"] >= 0.90),
        ("REAL held-out accuracy >= 0.85", sm["real_heldout_accuracy"] >= 0.85),
        ("REAL: >= 80% of out-of-scope caught", sm["real_heldout_oos_caught"] >= 0.80),
        ("REAL: <= 10% of in-scope lost to a fallback", sm["real_heldout_in_scope_rejected"] <= 0.10),
    ]
    if train_seconds is not None:
        checks.append(("NLU training under 3 minutes", train_seconds < 180))
    print(f"\n== written held-out: macro-F1 {sm['heldout_macro_f1']:.3f} (baseline "
          f"{sm['baseline_heldout_macro_f1']:.3f}, +{sm['points_above_baseline']:.1f} points), "
          f"OOS caught {sm['heldout_oos_caught']:.1%}, in-scope rejected {sm['heldout_in_scope_rejected']:.1%}")
    print(f"== REAL held-out: accuracy {sm['real_heldout_accuracy']:.3f} (keyword baseline "
          f"{sm['real_baseline_accuracy']:.3f}), macro-F1 {sm['real_heldout_macro_f1']:.3f}, OOS caught "
          f"{sm['real_heldout_oos_caught']:.1%}, in-scope lost to a fallback {sm['real_heldout_in_scope_rejected']:.1%}"
          + (f"; trained in {train_seconds:.0f} s" if train_seconds is not None else ""))
    print(f"   of which clear without the previous turn ({sm['real_heldout_alone_n']} messages): "
          f"accuracy {sm['real_heldout_alone_accuracy']:.3f}")
    for name, ok in checks:
        print(f"  [{'x' if ok else ' '}] {name}")
    print(f"wrote {out / 'nlu_eval.json'}, {out / 'nlu_confusion.png'} and {out / 'nlu_confusion_real.png'}")
    return 0


def _faq_threshold() -> float:
    from actions.faq import THRESHOLD

    return THRESHOLD


if __name__ == "__main__":
    sys.exit(main())

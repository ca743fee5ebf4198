"""Check the NLU training data and the held-out set before an evaluation.

Run with Rasa's Python from the repository root:
    .venv-rasa/bin/python eval/check_overlap.py [data/nlu] [eval/nlu_heldout.yml]

Fails (exit 1) when a training example is repeated, when one text is trained under two
intents, or when a held-out example equals a training example once case, spaces,
punctuation, emoji and sentence particles are stripped. It also lists held-out lines that
are merely close (character-bigram Jaccard >= 0.75) so a reviewer can reword them.
"""
import re
import sys

from rasa.shared.nlu.training_data.loading import load_data

PARTICLES = set("亲哈呢啊呀嘛哦吧呗啦么嘞滴哒喔噢哟咯")


def normalise(text: str) -> str:
    stripped = re.sub(r"[\s\W_]+", "", text.lower())
    return "".join(c for c in stripped if c not in PARTICLES) or text.strip()


def bigrams(text: str) -> set:
    s = normalise(text)
    return {s[i:i + 2] for i in range(max(1, len(s) - 1))}


def examples(path: str):
    data = load_data(path)
    return [(m.get("text"), m.get("intent")) for m in data.training_examples], data


def main(train_path: str = "data/nlu", heldout_path: str = "eval/nlu_heldout.yml") -> int:
    problems = 0
    train, train_data = examples(train_path)
    heldout, heldout_data = examples(heldout_path)
    print(f"training: {len(train)} examples")
    for intent, count in sorted(train_data.number_of_examples_per_intent.items()):
        print(f"  {intent:22s} {count}")
    print(f"held-out: {len(heldout)} examples")
    for intent, count in sorted(heldout_data.number_of_examples_per_intent.items()):
        print(f"  {intent:22s} {count}")

    seen = {}
    for text, intent in train:
        key = normalise(text)
        if key in seen:
            other_text, other_intent = seen[key]
            if other_intent != intent or other_text.strip().lower() == text.strip().lower():
                print(f"TRAINING CLASH: {text!r} [{intent}] ~ {other_text!r} [{other_intent}]")
                problems += 1
        seen[key] = (text, intent)
    for message in train_data.training_examples:
        if message.get("entities"):
            print(f"ENTITY ANNOTATION (plain text expected): {message.get('text')!r}")
            problems += 1

    heldout_seen = set()
    train_grams = [(bigrams(t), t, i) for t, i in train]
    for text, intent in heldout:
        key = normalise(text)
        if key in heldout_seen:
            print(f"HELD-OUT REPEAT: {text!r}")
            problems += 1
        heldout_seen.add(key)
        if key in seen:
            print(f"LEAK: held-out {text!r} [{intent}] = training {seen[key][0]!r} [{seen[key][1]}]")
            problems += 1
        grams = bigrams(text)
        score, near, near_intent = max(
            ((len(grams & g) / len(grams | g), t, i) for g, t, i in train_grams),
            key=lambda x: x[0],
        )
        if score >= 0.75:
            print(f"close ({score:.2f}): held-out {text!r} [{intent}] ~ training {near!r} [{near_intent}]")
    print("OK" if not problems else f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

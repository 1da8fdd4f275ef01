"""A fine-tuned MiniLM polarity model for stances, run with onnxruntime on the CPU.

One shared encoder (all-MiniLM-L6-v2, fine-tuned by ``scripts/train_polarity.py``) with two heads:

* **pair** -- the five directed classes of :data:`streams.stance.pairs.CLASSES` for two parties
  of one sentence, party ``a`` marked ``[ ... ]`` and party ``b`` marked ``{ ... }``;
* **target** -- negative / neutral / positive toward one marked person (``[ ... ]``).

The markers are plain vocabulary tokens, so the encoder needs no new embeddings. Text longer than
the model's window keeps the tokens around each marked mention (see :class:`MarkedEncoder`), the
same way at training and at run time. The model file, its ``tokenizer.json`` and a metadata file
(classes, markers, window, decision offsets, training figures) ship in ``streams/data``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from schemas.errors import ConfigError
from streams.datafile import DATA_DIR

__all__ = [
    "DEFAULT_POLARITY_MODEL_FILE",
    "TARGET_CLASSES",
    "Encoded",
    "MarkedEncoder",
    "PolarityModel",
]

DEFAULT_POLARITY_MODEL_FILE = DATA_DIR / "polarity-minilm-v1.onnx"

#: target-head class index -> polarity
TARGET_CLASSES = ("negative", "neutral", "positive")

Span = tuple[int, int]
_BATCH = 32


@dataclass(frozen=True, slots=True)
class Encoded:
    """One marked input: token ids (with [CLS]/[SEP]) and the positions of the opening markers."""

    ids: list[int]
    a_index: int
    b_index: int


class MarkedEncoder:
    """Marks one or two spans in a text, tokenises it and crops it to the model's window.

    Args:
        tokenizer: a ``tokenizers.Tokenizer`` (BERT WordPiece, uncased).
        max_length: the window in tokens, [CLS] and [SEP] included.
        markers: ``((a_open, a_close), (b_open, b_close))``, each a single vocabulary token.
    """

    def __init__(self, tokenizer: Any, max_length: int, markers: Sequence[Sequence[str]]) -> None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self.max_length = max_length
        self.markers = ((markers[0][0], markers[0][1]), (markers[1][0], markers[1][1]))
        self._cls = tokenizer.token_to_id("[CLS]")
        self._sep = tokenizer.token_to_id("[SEP]")
        self.pad_id = tokenizer.token_to_id("[PAD]") or 0

    def encode(self, text: str, a: Span, b: Span | None = None) -> Encoded:
        """Mark ``a`` (and ``b``) in ``text`` and encode it; ``b_index == a_index`` without ``b``."""
        marks = [(a, self.markers[0])]
        if b is not None and (b[1] <= a[0] or a[1] <= b[0]):
            marks.append((b, self.markers[1]))
        marked, opens, closes = _insert_markers(text, marks)
        encoding = self._tokenizer.encode(marked, add_special_tokens=False)
        ids: list[int] = list(encoding.ids)
        starts = [start for start, _ in encoding.offsets]
        open_tokens = [_token_at(starts, c) for c in opens]
        close_tokens = [_token_at(starts, c) for c in closes]
        kept = _window(len(ids), list(zip(open_tokens, close_tokens, strict=True)), self.max_length - 2)
        position = {old: new for new, old in enumerate(kept)}
        cropped = [self._cls, *(ids[k] for k in kept), self._sep]
        a_index = position.get(open_tokens[0], 0) + 1
        b_index = position.get(open_tokens[1], 0) + 1 if len(open_tokens) > 1 else a_index
        return Encoded(cropped, a_index, b_index)

    def batch(self, encoded: Sequence[Encoded]) -> dict[str, np.ndarray]:
        """Pad a batch into the model's four inputs."""
        width = max(len(e.ids) for e in encoded)
        ids = np.full((len(encoded), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, item in enumerate(encoded):
            ids[row, : len(item.ids)] = item.ids
            mask[row, : len(item.ids)] = 1
        return {
            "input_ids": ids,
            "attention_mask": mask,
            "a_index": np.asarray([e.a_index for e in encoded], dtype=np.int64),
            "b_index": np.asarray([e.b_index for e in encoded], dtype=np.int64),
        }


def _insert_markers(text: str, marks: list[tuple[Span, tuple[str, str]]]) -> tuple[str, list[int], list[int]]:
    """The text with ``open span close`` around each span, and each marker's character position."""
    pieces: list[str] = []
    opens: list[int] = [0] * len(marks)
    closes: list[int] = [0] * len(marks)
    cursor = length = 0
    for k, ((start, end), (opening, closing)) in sorted(enumerate(marks), key=lambda m: m[1][0][0]):
        for piece in (text[cursor:start], " "):
            pieces.append(piece)
            length += len(piece)
        opens[k] = length
        for piece in (opening, " ", text[start:end], " "):
            pieces.append(piece)
            length += len(piece)
        closes[k] = length
        pieces.append(closing + " ")
        length += len(closing) + 1
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), opens, closes


def _token_at(starts: list[int], char: int) -> int:
    for index, start in enumerate(starts):
        if start >= char:
            return index
    return max(len(starts) - 1, 0)


def _window(length: int, mentions: list[tuple[int, int]], budget: int) -> list[int]:
    """Token indexes to keep: all when they fit, else the tokens around each marked mention."""
    if length <= budget:
        return list(range(length))
    low = min(start for start, _ in mentions)
    high = max(end for _, end in mentions)
    if high - low + 1 <= budget:
        first = max(0, min(low - (budget - (high - low + 1)) // 2, length - budget))
        return list(range(first, first + budget))
    share = budget // len(mentions)
    kept: set[int] = set()
    for start, end in mentions:
        middle = (start + end) // 2
        first = max(0, min(middle - share // 2, length - share))
        kept.update(range(first, first + share))
    return sorted(kept)[:budget]


class PolarityModel:
    """The two-headed MiniLM polarity model, loaded once and called with batches."""

    def __init__(self, session: Any, encoder: MarkedEncoder, meta: dict[str, Any], cache_size: int = 4096) -> None:
        self._session = session
        self.encoder = encoder
        self.meta = meta
        # a near-duplicate article (a syndicated copy, a new version) repeats most of its rows
        self._cache: OrderedDict[tuple[str, tuple[int, ...], int, int], np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.cache_hits = 0
        self.cache_misses = 0
        self._pair_offsets = np.asarray(meta.get("pair_offsets", [0.0] * 5), dtype=np.float32)
        self._target_offsets = np.asarray(meta.get("target_offsets", [0.0] * 3), dtype=np.float32)

    @classmethod
    def load(cls, path: Path = DEFAULT_POLARITY_MODEL_FILE, threads: int = 1, cache_size: int = 4096) -> PolarityModel:
        """Load the ONNX model, its metadata (``<stem>.json``) and tokenizer; ``ConfigError`` if unusable.

        ``cache_size`` rows' results are kept (least recently used dropped first; 0: none).
        """
        meta_path = path.with_suffix(".json")
        if not path.is_file():
            raise ConfigError(f"{path}: stance polarity model file is missing")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ConfigError(f"{path}: the stance polarity model needs onnxruntime and tokenizers: {exc}") from exc
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(path.with_name(meta["tokenizer"])))
            encoder = MarkedEncoder(tokenizer, int(meta["max_length"]), meta["markers"])
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except FileNotFoundError as exc:
            raise ConfigError(f"{exc.filename or path}: stance polarity model file is missing") from exc
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ConfigError(f"{path}: not a usable stance polarity model: {exc}") from exc
        except Exception as exc:  # onnxruntime raises its own exception types for a bad graph
            raise ConfigError(f"{path}: onnxruntime cannot load the stance polarity model: {exc}") from exc
        outputs = {o.name for o in session.get_outputs()}
        if not {"pair_logits", "target_logits"} <= outputs:
            raise ConfigError(f"{path}: the model lacks the pair_logits/target_logits outputs (has {sorted(outputs)})")
        return cls(session, encoder, meta, cache_size)

    def pairs(self, items: Sequence[tuple[str, Span, Span]]) -> np.ndarray:
        """Directed-class probabilities ``(n, 5)`` for ``(text, a_span, b_span)``, ``a`` the first party."""
        return self._run([self.encoder.encode(text, a, b) for text, a, b in items], "pair_logits", 5)

    def targets(self, items: Sequence[tuple[str, Span]]) -> np.ndarray:
        """Negative/neutral/positive probabilities ``(n, 3)`` toward the marked ``span`` of each text."""
        return self._run([self.encoder.encode(text, span) for text, span in items], "target_logits", 3)

    def decide_pair(self, probabilities: np.ndarray) -> tuple[int, float]:
        """The pair class after the tuned per-class offsets, and its probability."""
        best = int((np.log(probabilities + 1e-12) + self._pair_offsets).argmax())
        return best, float(probabilities[best])

    def decide_target(self, probabilities: np.ndarray) -> tuple[int, float]:
        """The target class (index into :data:`TARGET_CLASSES`) after the offsets, and its probability."""
        best = int((np.log(probabilities + 1e-12) + self._target_offsets).argmax())
        return best, float(probabilities[best])

    def _run(self, encoded: list[Encoded], output: str, classes: int) -> np.ndarray:
        result = np.zeros((len(encoded), classes), dtype=np.float32)
        keys = [(output, tuple(e.ids), e.a_index, e.b_index) for e in encoded]
        todo = []
        for k, key in enumerate(keys):
            known = self._cache.get(key)
            if known is None:
                todo.append(k)
            else:
                result[k] = known
                self._cache.move_to_end(key)
        self.cache_hits += len(encoded) - len(todo)
        self.cache_misses += len(todo)
        # similar lengths in one batch: less padding to encode
        order = sorted(todo, key=lambda k: len(encoded[k].ids))
        for first in range(0, len(order), _BATCH):
            rows = order[first : first + _BATCH]
            (logits,) = self._session.run([output], self.encoder.batch([encoded[k] for k in rows]))
            result[rows] = _softmax(np.asarray(logits, dtype=np.float32))
        if self._cache_size:
            for k in todo:
                self._cache[keys[k]] = result[k].copy()
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)

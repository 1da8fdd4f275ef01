"""NewsMTSC evaluation: polarity toward a named person (Hamborg & Donnay, EACL 2021).

Data: JSON lines, one sentence each: ``sentence_normalized`` and ``targets[]`` with ``from``/``to``
(character offsets into the sentence), ``mention`` and ``polarity`` (2.0 negative, 4.0 neutral,
6.0 positive). The gold says how the sentence treats the target; it names no holder.

Definition (the README repeats it):

* Each line is one article ``Article(uri="newsmtsc:<n>", headline="", body_text=<sentence>)``,
  ``<n>`` the 1-based line number; each target is one gold item.
* The pipeline's stances with ``target_kind == "actor"`` are read. A stance is *on* the target when
  its target actor has a mention span in ``doc.actors`` overlapping the gold span; when that actor
  has no mention in the document, when its name shares a word with the gold mention (words:
  maximal runs of letters and digits, case-folded, at least 2 characters, not a stopword).
* The prediction is the polarity of the stance on the target with the largest ``|score|`` (the
  first in ``doc.stances`` order on a tie), whoever holds it; no stance on the target is neutral.
* Metrics: accuracy; per class precision, recall, F1 (0 when undefined), gold ``support`` and
  ``predicted`` counts; ``macro_f1`` is the mean of the three per-class F1 values; ``confusion``
  is the 3x3 count matrix (rows gold, columns predicted, order negative, neutral, positive).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas import Article
from schemas.errors import ConfigError
from streams.evaluation.directed_sentiment import class_scores, name_words

__all__ = ["LABELS", "TargetItem", "evaluate", "predict_label", "read_items", "score"]

#: class index -> polarity; NewsMTSC codes 2.0, 4.0, 6.0 map to 0, 1, 2
LABELS = {0: "negative", 1: "neutral", 2: "positive"}

_CODES = {2: 0, 4: 1, 6: 2}
_POLARITY = {"negative": 0, "neutral": 1, "positive": 2}


@dataclass(frozen=True, slots=True)
class TargetItem:
    """One gold target: its sentence (by line), the mention, its span and the gold class."""

    line: int
    mention: str
    span: tuple[int, int]
    label: int


def read_items(path: Path) -> list[tuple[int, str, list[TargetItem]]]:
    """Parse a NewsMTSC jsonl file into ``(line, sentence, targets)``; ``ConfigError`` names a bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    sentences = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = str(record["sentence_normalized"])
            targets = [TargetItem(number, str(t["mention"]), (int(t["from"]), int(t["to"])),
                                  _CODES[int(float(t["polarity"]))]) for t in record["targets"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: expected sentence_normalized and targets[] with "
                              f"from, to, mention, polarity 2/4/6 ({exc!r})") from exc
        sentences.append((number, text, targets))
    return sentences


def predict_label(doc: Any, item: TargetItem, offset: int) -> int:
    """The class the document's stances predict for the target (``offset``: body start in ``doc.text``)."""
    span = (item.span[0] + offset, item.span[1] + offset)
    best: tuple[float, int] | None = None
    for stance in doc.stances:
        if stance.target_kind != "actor" or not _on_target(doc, stance.target.id, stance.target.name, span, item):
            continue
        if best is None or abs(stance.score) > best[0]:
            best = (abs(stance.score), _POLARITY[stance.polarity])
    return best[1] if best is not None else 1


def _on_target(doc: Any, actor_id: str, name: str, span: tuple[int, int], item: TargetItem) -> bool:
    actor = doc.actors.get(actor_id)
    if actor is not None and actor.mentions:
        return any(s < span[1] and span[0] < e for s, e in actor.mentions)
    return bool(name_words(name) & name_words(item.mention))


def score(gold: list[int], predicted: list[int]) -> dict[str, Any]:
    """Accuracy, per-class P/R/F1 with counts, 3-class macro-F1 and the confusion matrix."""
    confusion, scores = class_scores(gold, predicted, LABELS)
    per_class = {c.name: {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                          "support": c.support, "predicted": c.predicted} for c in scores}
    total = len(gold)
    return {
        "targets": total,
        "macro_f1": round(sum(c.f1 for c in scores) / len(LABELS), 4),
        "accuracy": round(sum(confusion[k][k] for k in LABELS) / total, 4) if total else 0.0,
        "per_class": per_class,
        "confusion": confusion,
    }


def evaluate(pipeline: Any, path: Path, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Run ``pipeline`` on every sentence of ``path`` and score the polarity toward each gold target.

    Args:
        pipeline: a :class:`~streams.pipeline.Pipeline` (its ``analyse`` is used).
        path: the jsonl file to evaluate.
        progress: called as ``progress(done, total)``.
    """
    started = time.perf_counter()
    sentences = read_items(path)
    gold, predicted = [], []
    for done, (line, text, targets) in enumerate(sentences, 1):
        article = Article(uri=f"newsmtsc:{line}", headline="", body_text=text)
        doc = pipeline.analyse(article)
        for item in targets:
            gold.append(item.label)
            predicted.append(predict_label(doc, item, article.body_offset))
        if done % 50 == 0 or done == len(sentences):
            progress(done, len(sentences))
    result: dict[str, Any] = {"dataset": "newsmtsc", "path": str(path), "sentences": len(sentences)}
    result.update(score(gold, predicted))
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result

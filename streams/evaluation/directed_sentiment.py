"""Directed-sentiment evaluation ("Who blames or endorses whom?", Park et al., ACL 2021).

Data: a TSV file ``sentence<TAB>entity1<TAB>entity2<TAB>label`` with the two entities wrapped in
square brackets in the sentence; labels 0 neutral, 1 positive p->q, 2 positive q->p, 3 negative
p->q, 4 negative q->p (p = entity 1, q = entity 2).

Definition (the README repeats it):

* Each row is one article ``Article(uri="ds:<n>", headline="", body_text=<sentence without
  brackets>)``, ``<n>`` the 1-based line number. Every ``[`` and ``]`` is removed; the entity spans
  are the bracketed groups' spans in the bracket-free sentence: entity 1 is the first group whose
  text equals the entity string, entity 2 the first other group equal to its string; failing that,
  the groups in order (first = entity 1, second = entity 2); failing that, the first occurrence of
  the string in the sentence (else the entity has no span).
* The pipeline's stances with ``target_kind == "actor"`` are read. An actor *matches* an entity
  when one of its mention spans in ``doc.actors`` overlaps the entity's span; when the actor has no
  mention in the document, when its name shares a word with the entity string (words: maximal
  runs of letters and digits, case-folded, at least 2 characters, not one of ``_STOPWORDS``).
* A stance whose holder matches entity 1 and target matches entity 2 predicts p->q: positive 1,
  negative 3, neutral 0. Otherwise, holder matching entity 2 and target entity 1 predicts q->p:
  positive 2, negative 4, neutral 0. Among qualifying stances the one with the largest ``|score|``
  wins (the first in ``doc.stances`` order on a tie); no qualifying stance predicts 0.
* Reported on all rows and on the *unseen* rows, those whose bracket-free sentence does not occur
  (bracket-free, verbatim) in the train file: ``train.txt`` next to the evaluated file, or
  ``train_path``. Without a train file ``unseen`` is null and ``unseen_note`` says why.
* Metrics: accuracy; per class precision, recall, F1 (0 when undefined), gold ``support`` and
  ``predicted`` counts; ``macro_f1`` is the mean of the five per-class F1 values; ``confusion`` is
  the 5x5 count matrix (rows gold, columns predicted).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas import Article, Stance
from schemas.errors import ConfigError

__all__ = [
    "ClassScore",
    "class_scores",
    "name_words",
    "LABELS", "DirectedRow", "evaluate", "predict_label", "read_rows", "score"]

#: label -> class name
LABELS = {0: "neutral", 1: "positive p->q", 2: "positive q->p", 3: "negative p->q", 4: "negative q->p"}

_GROUP = re.compile(r"\[([^\[\]]*)\]")
_WORD = re.compile(r"[^\W_]+")
_STOPWORDS = frozenset("the of and for in on at to a an mr mrs ms dr st".split())


@dataclass(frozen=True, slots=True)
class DirectedRow:
    """One labelled sentence: bracket-free text, the two entities with their spans, the gold label."""

    line: int
    text: str
    entity1: str
    entity2: str
    span1: tuple[int, int] | None
    span2: tuple[int, int] | None
    label: int


def read_rows(path: Path) -> list[DirectedRow]:
    """Parse a directed-sentiment TSV file; raises ``ConfigError`` naming the line of a bad row."""
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4 or fields[3].strip() not in ("0", "1", "2", "3", "4"):
            raise ConfigError(f"{path}:{number}: expected sentence<TAB>entity1<TAB>entity2<TAB>label 0-4")
        rows.append(_row(number, fields[0], fields[1], fields[2], int(fields[3])))
    return rows


def _row(line: int, sentence: str, entity1: str, entity2: str, label: int) -> DirectedRow:
    text, groups = _strip_brackets(sentence)
    span1 = next((span for span, inner in groups if inner == entity1), None)
    span2 = next((span for span, inner in groups if inner == entity2 and span != span1), None)
    if span1 is None or span2 is None:
        free = [span for span, _ in groups if span not in (span1, span2)]
        span1 = span1 or (free.pop(0) if free else None)
        span2 = span2 or (free.pop(0) if free else None)
    span1 = span1 or _find(text, entity1)
    span2 = span2 or _find(text, entity2)
    return DirectedRow(line, text, entity1, entity2, span1, span2, label)


def _strip_brackets(sentence: str) -> tuple[str, list[tuple[tuple[int, int], str]]]:
    """The sentence without ``[``/``]`` and each bracketed group's span in it."""
    groups = []
    for match in _GROUP.finditer(sentence):
        start = match.start() - sentence.count("[", 0, match.start()) - sentence.count("]", 0, match.start())
        groups.append(((start, start + len(match.group(1))), match.group(1)))
    return sentence.replace("[", "").replace("]", ""), groups


def _find(text: str, entity: str) -> tuple[int, int] | None:
    index = text.find(entity) if entity else -1
    return (index, index + len(entity)) if index >= 0 else None


# -- prediction ----------------------------------------------------------------------------------
def predict_label(doc: Any, row: DirectedRow, offset: int) -> int:
    """The class the document's stances predict for ``row`` (``offset``: body start in ``doc.text``)."""
    span1 = _shift(row.span1, offset)
    span2 = _shift(row.span2, offset)
    best: tuple[float, int] | None = None
    for stance in doc.stances:
        if stance.target_kind != "actor":
            continue
        label = _stance_label(doc, stance, (span1, row.entity1), (span2, row.entity2))
        if label is not None and (best is None or abs(stance.score) > best[0]):
            best = (abs(stance.score), label)
    return best[1] if best is not None else 0


def _shift(span: tuple[int, int] | None, offset: int) -> tuple[int, int] | None:
    return None if span is None else (span[0] + offset, span[1] + offset)


def _stance_label(doc: Any, stance: Stance, p: tuple[Any, str], q: tuple[Any, str]) -> int | None:
    holder, target = stance.holder, stance.target
    if _matches(doc, holder.id, holder.name, *p) and _matches(doc, target.id, target.name, *q):
        return {"positive": 1, "negative": 3}.get(stance.polarity, 0)
    if _matches(doc, holder.id, holder.name, *q) and _matches(doc, target.id, target.name, *p):
        return {"positive": 2, "negative": 4}.get(stance.polarity, 0)
    return None


def _matches(doc: Any, actor_id: str, name: str, span: tuple[int, int] | None, entity: str) -> bool:
    actor = doc.actors.get(actor_id)
    if actor is not None and actor.mentions:
        return span is not None and any(s < span[1] and span[0] < e for s, e in actor.mentions)
    return bool(name_words(name) & name_words(entity))


def name_words(text: str) -> set[str]:
    """The words of a name for loose matching: letters and digits, case-folded, stopwords out."""
    return {w for w in (m.group().casefold() for m in _WORD.finditer(text)) if len(w) >= 2 and w not in _STOPWORDS}


# -- scoring -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClassScore:
    """Precision, recall and F1 of one class, with its gold and predicted counts."""

    label: int
    name: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


def class_scores(gold: list[int], predicted: list[int], labels: dict[int, str]) -> tuple[list[list[int]], list[ClassScore]]:
    """The confusion matrix (rows gold, columns predicted) and each class's scores, unrounded."""
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    scores = []
    for label, name in labels.items():
        tp = confusion[label][label]
        support = sum(confusion[label])
        predicted_count = sum(row[label] for row in confusion)
        precision = tp / predicted_count if predicted_count else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(ClassScore(label, name, precision, recall, f1, support, predicted_count))
    return confusion, scores


def score(gold: list[int], predicted: list[int]) -> dict[str, Any]:
    """Accuracy, per-class P/R/F1 with counts, 5-class macro-F1 and the confusion matrix."""
    confusion, scores = class_scores(gold, predicted, LABELS)
    per_class = {str(c.label): {"name": c.name, "precision": round(c.precision, 4), "recall": round(c.recall, 4),
                                "f1": round(c.f1, 4), "support": c.support, "predicted": c.predicted}
                 for c in scores}
    total = len(gold)
    correct = sum(confusion[k][k] for k in LABELS)
    return {
        "rows": total,
        "macro_f1": round(sum(c.f1 for c in scores) / len(LABELS), 4),
        "accuracy": round(correct / total, 4) if total else 0.0,
        "per_class": per_class,
        "confusion": confusion,
    }


def _train_sentences(train_path: Path) -> set[str]:
    return {row.text for row in read_rows(train_path)}


def evaluate(
    pipeline: Any,
    path: Path,
    progress: Callable[[int, int], None],
    train_path: Path | None = None,
) -> dict[str, Any]:
    """Run ``pipeline`` on every row of ``path`` and score the predicted directed stances.

    Args:
        pipeline: a :class:`~streams.pipeline.Pipeline` (its ``analyse`` is used).
        path: the TSV file to evaluate.
        progress: called as ``progress(done, total)``.
        train_path: the train split, for the unseen-rows subset; default ``train.txt`` beside ``path``.
    """
    started = time.perf_counter()
    rows = read_rows(path)
    gold, predicted = [], []
    for done, row in enumerate(rows, 1):
        article = Article(uri=f"ds:{row.line}", headline="", body_text=row.text)
        doc = pipeline.analyse(article)
        gold.append(row.label)
        predicted.append(predict_label(doc, row, article.body_offset))
        if done % 50 == 0 or done == len(rows):
            progress(done, len(rows))
    result: dict[str, Any] = {"dataset": "directed-sentiment", "path": str(path)}
    result.update(score(gold, predicted))
    train_path = train_path or path.with_name("train.txt")
    if train_path.is_file():
        seen = _train_sentences(train_path)
        keep = [k for k, row in enumerate(rows) if row.text not in seen]
        result["unseen"] = score([gold[k] for k in keep], [predicted[k] for k in keep])
        result["train_path"] = str(train_path)
    else:
        result["unseen"] = None
        result["unseen_note"] = f"no train file at {train_path}: unseen rows not reported"
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result

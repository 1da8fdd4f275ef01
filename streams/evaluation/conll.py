"""``wirewatch eval conll PATH``: actor detection and typing on CoNLL-2003 / CoNLL++ NER.

Definition (the README repeats it):

- Data: a CoNLL file (``token POS chunk NER`` per line, IOB2 tags, ``-DOCSTART-`` separates
  documents, blank lines separate sentences). Each document is one article
  ``Article(uri="conll:<n>", headline="", body_text=...)`` whose body is its sentences, each the
  tokens joined by single spaces, joined by ``"\\n\\n"`` (one paragraph per sentence, so NER never
  runs across a sentence boundary). Gold spans come from the token offsets, shifted by
  ``article.body_offset``.
- Predictions: every mention span of every actor, typed person -> PER, organization -> ORG,
  country -> LOC (group actors are not scored).
- Scoring: exact span (start and end equal) and type. Precision, recall and F1 for PER, for ORG,
  micro-averaged over both (``PER+ORG``), and for LOC against countries only (``LOC_countries``,
  informational: gold LOC also holds cities and regions, so its recall is not meaningful).
- ``baseline_spacy_ner`` scores bare spaCy NER on the same texts (PERSON -> PER, ORG -> ORG), so
  one run shows what the actors stage adds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import Article
from schemas.errors import ConfigError
from streams.nlp import entity_recognizer

__all__ = [
    "ConllDocument",
    "GoldSpan",
    "article_for",
    "evaluate",
    "predicted_spans",
    "prf",
    "read_conll",
    "score",
]

#: a typed span ``(start, end, type)`` in the article text
GoldSpan = tuple[int, int, str]

_ACTOR_TYPE_TO_LABEL = {"person": "PER", "organization": "ORG", "country": "LOC"}
_SPACY_TO_LABEL = {"PERSON": "PER", "ORG": "ORG"}


@dataclass(slots=True)
class ConllDocument:
    """One ``-DOCSTART-`` document: sentences of ``(token, tag)`` pairs."""

    sentences: list[list[tuple[str, str]]] = field(default_factory=list)


def read_conll(path: Path) -> list[ConllDocument]:
    """Parse a CoNLL NER file into documents (the last column is the IOB2 NER tag).

    Raises:
        ConfigError: a line has no tag column (names file and line).
    """
    documents: list[ConllDocument] = []
    current = ConllDocument()
    sentence: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as lines:
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                _close_sentence(current, sentence)
                sentence = []
                continue
            parts = line.split()
            if parts[0] == "-DOCSTART-":
                _close_sentence(current, sentence)
                sentence = []
                if current.sentences:
                    documents.append(current)
                current = ConllDocument()
                continue
            if len(parts) < 2:
                raise ConfigError(f"{path}:{number}: expected 'token ... NER-tag', got {line!r}")
            sentence.append((parts[0], parts[-1]))
    _close_sentence(current, sentence)
    if current.sentences:
        documents.append(current)
    return documents


def _close_sentence(document: ConllDocument, sentence: list[tuple[str, str]]) -> None:
    if sentence:
        document.sentences.append(sentence)


def article_for(document: ConllDocument, number: int) -> tuple[Article, set[GoldSpan]]:
    """The article built from ``document`` and its gold spans (offsets into ``article.text``)."""
    gold: set[GoldSpan] = set()
    pieces: list[str] = []
    offset = 0
    for sentence in document.sentences:
        tokens = [token for token, _ in sentence]
        token_spans = _token_spans(tokens, offset)
        gold.update(_entity_spans(token_spans, [tag for _, tag in sentence]))
        pieces.append(" ".join(tokens))
        offset += len(pieces[-1]) + 2
    article = Article(uri=f"conll:{number}", headline="", body_text="\n\n".join(pieces))
    shift = article.body_offset
    return article, {(start + shift, end + shift, label) for start, end, label in gold}


def _token_spans(tokens: list[str], offset: int) -> list[tuple[int, int]]:
    spans = []
    for token in tokens:
        spans.append((offset, offset + len(token)))
        offset += len(token) + 1
    return spans


def _entity_spans(spans: list[tuple[int, int]], tags: list[str]) -> Iterator[GoldSpan]:
    """Entity spans from IOB tags (an ``I-`` after ``O`` or another type also opens an entity)."""
    open_start: int | None = None
    open_type = ""
    last_end = 0
    for (start, end), tag in zip(spans, tags, strict=True):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and open_start is not None and label == open_type
        if open_start is not None and not continues:
            yield open_start, last_end, open_type
            open_start = None
        if prefix in ("B", "I") and not continues:
            open_start, open_type = start, label
        last_end = end
    if open_start is not None:
        yield open_start, last_end, open_type


def predicted_spans(actors: Iterable[Any]) -> set[GoldSpan]:
    """Typed spans of every mention of every actor (``ActorRecord`` or published ``Actor``)."""
    found: set[GoldSpan] = set()
    for actor in actors:
        label = _ACTOR_TYPE_TO_LABEL.get(actor.type)
        if label is None:
            continue
        found.update((start, end, label) for start, end in actor.mentions)
    return found


def score(gold: set[GoldSpan], predicted: set[GoldSpan], labels: set[str]) -> dict[str, Any]:
    """Exact-span precision, recall and F1 over the spans whose type is in ``labels``."""
    gold_l = {g for g in gold if g[2] in labels}
    pred_l = {p for p in predicted if p[2] in labels}
    return prf(len(gold_l & pred_l), len(gold_l), len(pred_l))


def prf(correct: int, gold: int, predicted: int) -> dict[str, Any]:
    """Precision, recall and F1 (rounded) with the gold and predicted counts."""
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "gold": gold, "predicted": predicted}


@dataclass(slots=True)
class _Tally:
    """Correct / gold / predicted counts per scored group."""

    counts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, name: str, gold: set[GoldSpan], predicted: set[GoldSpan], labels: set[str]) -> None:
        gold_l = {g for g in gold if g[2] in labels}
        pred_l = {p for p in predicted if p[2] in labels}
        counts = self.counts.setdefault(name, [0, 0, 0])
        counts[0] += len(gold_l & pred_l)
        counts[1] += len(gold_l)
        counts[2] += len(pred_l)

    def add_groups(self, gold: set[GoldSpan], predicted: set[GoldSpan], countries: bool) -> None:
        self.add("PER", gold, predicted, {"PER"})
        self.add("ORG", gold, predicted, {"ORG"})
        self.add("PER+ORG", gold, predicted, {"PER", "ORG"})
        if countries:
            self.add("LOC_countries", gold, predicted, {"LOC"})

    def report(self) -> dict[str, Any]:
        return {name: prf(*counts) for name, counts in self.counts.items()}


def evaluate(
    pipeline: Any,
    path: Path,
    progress: Callable[[int, int], None],
    baseline: bool = True,
) -> dict[str, Any]:
    """Score the pipeline's actors on the CoNLL file at ``path`` (see the module docstring).

    Args:
        pipeline: a :class:`streams.pipeline.Pipeline` whose stages include NER and actors.
        path: the CoNLL file.
        progress: called as ``progress(done, total)`` after each document.
        baseline: also score bare spaCy NER on the same texts (``baseline_spacy_ner``).

    Returns:
        The metrics dict described in the module docstring.
    """
    started = time.perf_counter()
    documents = read_conll(path)
    ours, bare = _Tally(), _Tally()
    for number, document in enumerate(documents, start=1):
        article, gold = article_for(document, number)
        doc = pipeline.analyse(article)
        ours.add_groups(gold, predicted_spans(doc.actors.values()), countries=True)
        if baseline:
            bare.add_groups(gold, _spacy_spans(pipeline, doc), countries=False)
        progress(number, len(documents))
    result: dict[str, Any] = {"dataset": "conll", "path": str(path), "documents": len(documents)}
    result.update(ours.report())
    if baseline:
        result["baseline_spacy_ner"] = bare.report()
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _spacy_spans(pipeline: Any, doc: Any) -> set[GoldSpan]:
    # The recognizer caches paragraphs, so this re-reads the NER run the pipeline just made.
    entities = entity_recognizer(pipeline.resources).entities(doc.text, doc.paragraphs)
    return {(e.start, e.end, _SPACY_TO_LABEL[e.label]) for e in entities if e.label in _SPACY_TO_LABEL}

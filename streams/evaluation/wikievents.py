"""``wirewatch eval wikievents PATH``: event triggers on WikiEvents (KAIROS ontology), mapped to PLOVER.

Definition:

- **Data.** A WikiEvents JSONL file (``dev.jsonl``): one document per line with ``sentences``
  (each a list of ``[token, start, end]`` and its text) and ``event_mentions`` whose ``trigger``
  gives document token offsets ``[start, end)``. Each document is run as ``Article(uri=
  "wikievents:<doc_id>", headline="", body_text=...)``: every sentence rebuilt from its tokens (the
  gaps between their offsets become spaces), sentences joined by ``"\\n\\n"`` (one paragraph per
  sentence, so sentence boundaries are the annotators'). Token offsets map to character offsets
  of that text; no publication date is known.
- **Covered types** and their PLOVER types (a gold mention of a type not listed is not scored):

  ======================================================== =====================
  KAIROS                                                   PLOVER (any of)
  ======================================================== =====================
  Conflict.Attack.*                                        ASSAULT, FIGHT
  Conflict.Demonstrate.*                                   PROTEST
  Contact.Contact.Meet, Contact.Contact.Correspondence     CONSULT
  Contact.RequestCommand.*                                 DEMAND
  Contact.ThreatenCoerce.*                                 THREATEN, COERCE
  Justice.ArrestJailDetain.*                               COERCE
  Justice.ChargeIndict.*                                   COERCE, DISAPPROVE
  Justice.Sentence.*                                       COERCE
  Justice.Convict.*                                        DISAPPROVE
  Justice.InvestigateCrime.*                               INVESTIGATE
  Justice.ReleaseParole.*                                  RETREAT
  ArtifactExistence.DamageDestroyDisableDismantle.Damage/  ASSAULT, COERCE
  .Destroy
  Movement.Transportation.PreventPassage                   COERCE
  Transaction.Donation.*                                   AID
  ======================================================== =====================

  From the CAMEO -> PLOVER table: 173 arrest/detain/charge -> COERCE, 116 find guilty -> DISAPPROVE,
  0841 release persons -> RETREAT, 171/1712 seize or destroy property -> COERCE/ASSAULT, 191
  blockade -> COERCE, 07 aid -> AID; 18x/19x attacks -> ASSAULT or FIGHT. Not covered:
  Contact.Contact.Broadcast/Unspecified (statements, mostly "said": our STATEMENT events, not
  scored here), Life.Die/Injure (outcomes, not PLOVER events), Movement.Transportation (mostly
  civilian travel), and everything without a PLOVER counterpart.
- **Predictions.** Every mention span of every predicted event whose type is a PLOVER type of the
  table (STATEMENT and other types excluded: the KAIROS ontology has no counterpart to score them
  against).
- **Scoring** (micro over covered types, pooled over documents). Trigger identification: a
  prediction is correct when its span overlaps the trigger span of a covered gold mention; a gold
  mention is found when some prediction overlaps it. Type: the same with the prediction's type
  among the gold type's PLOVER types. precision = correct predictions / predictions, recall =
  found gold / gold. ``per_type`` gives the type scores per KAIROS group (the table's rows,
  predictions counted for a row when their type is one of its PLOVER types).
- **Splits.** The file has no held-out part of its own, so ``splits`` reports ``trigger`` and
  ``type`` scores for ``all``, ``tune`` and ``check``: a document is ``tune`` when the first byte of
  the BLAKE2b digest of its ``doc_id`` is even, else ``check`` (deterministic, about half each).
  Rules are tuned looking only at ``tune`` errors; ``check`` is the held-aside figure.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas import Article
from schemas.errors import ConfigError

__all__ = ["COVERED", "GoldTrigger", "PredictedTrigger", "article_for", "evaluate", "kairos_group",
           "read_documents", "score", "split_of"]

#: KAIROS type prefix -> the PLOVER types that count as a match (first match of the prefix wins)
COVERED: dict[str, frozenset[str]] = {
    "Conflict.Attack": frozenset({"ASSAULT", "FIGHT"}),
    "Conflict.Demonstrate": frozenset({"PROTEST"}),
    "Contact.Contact.Meet": frozenset({"CONSULT"}),
    "Contact.Contact.Correspondence": frozenset({"CONSULT"}),
    "Contact.RequestCommand": frozenset({"DEMAND"}),
    "Contact.ThreatenCoerce": frozenset({"THREATEN", "COERCE"}),
    "Justice.ArrestJailDetain": frozenset({"COERCE"}),
    "Justice.ChargeIndict": frozenset({"COERCE", "DISAPPROVE"}),
    "Justice.Sentence": frozenset({"COERCE"}),
    "Justice.Convict": frozenset({"DISAPPROVE"}),
    "Justice.InvestigateCrime": frozenset({"INVESTIGATE"}),
    "Justice.ReleaseParole": frozenset({"RETREAT"}),
    "ArtifactExistence.DamageDestroyDisableDismantle.Damage": frozenset({"ASSAULT", "COERCE"}),
    "ArtifactExistence.DamageDestroyDisableDismantle.Destroy": frozenset({"ASSAULT", "COERCE"}),
    "Movement.Transportation.PreventPassage": frozenset({"COERCE"}),
    "Transaction.Donation": frozenset({"AID"}),
}
_SCORED_TYPES = frozenset().union(*COVERED.values())


@dataclass(frozen=True, slots=True)
class GoldTrigger:
    """A gold trigger: character span, KAIROS group (a key of COVERED, None when not covered), full type."""

    start: int
    end: int
    group: str | None
    kairos: str


@dataclass(frozen=True, slots=True)
class PredictedTrigger:
    """A predicted trigger mention and its PLOVER type."""

    start: int
    end: int
    type: str


def kairos_group(event_type: str) -> str | None:
    """The key of COVERED that ``event_type`` falls under, or None when it is not covered."""
    for prefix in COVERED:
        if event_type == prefix or event_type.startswith(prefix + "."):
            return prefix
    return None


def split_of(doc_id: str) -> str:
    """``tune`` or ``check`` for a document id (see the module docstring)."""
    return "tune" if hashlib.blake2b(doc_id.encode(), digest_size=8).digest()[0] % 2 == 0 else "check"


def read_documents(path: Path) -> list[dict[str, Any]]:
    """The documents of a WikiEvents JSONL file."""
    documents = []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    document = json.loads(line)
                except ValueError as exc:
                    raise ConfigError(f"{path}:{number}: not JSON: {exc}") from exc
                if "sentences" not in document or "event_mentions" not in document:
                    raise ConfigError(f"{path}:{number}: expected 'sentences' and 'event_mentions'")
                documents.append(document)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return documents


def article_for(document: dict[str, Any]) -> tuple[Article, list[GoldTrigger]]:
    """The article rebuilt from ``document`` and its gold triggers (offsets into ``article.text``)."""
    pieces: list[str] = []
    token_spans: list[tuple[int, int]] = []
    offset = 0
    for tokens, _ in document["sentences"]:
        if not tokens:
            continue
        base = tokens[0][1]
        sentence = ""
        for word, start, _end in tokens:
            position = start - base
            if position < len(sentence):  # offsets that overlap or go back: keep the words apart
                position = len(sentence) + (1 if sentence else 0)
            sentence += " " * (position - len(sentence)) + word
            token_spans.append((offset + position, offset + position + len(word)))
        pieces.append(sentence)
        offset += len(sentence) + 2
    article = Article(uri=f"wikievents:{document.get('doc_id', '')}", headline="", body_text="\n\n".join(pieces))
    shift = article.body_offset
    gold = []
    for mention in document["event_mentions"]:
        group = kairos_group(mention["event_type"])
        trigger = mention["trigger"]
        if not (0 <= trigger["start"] < trigger["end"] <= len(token_spans)):
            continue
        start = token_spans[trigger["start"]][0] + shift
        end = token_spans[trigger["end"] - 1][1] + shift
        gold.append(GoldTrigger(start, end, group, mention["event_type"]))
    return article, gold


def predicted_triggers(events: Iterable[Any]) -> list[PredictedTrigger]:
    """Mention spans of the predicted events whose type a covered KAIROS type maps to."""
    return [PredictedTrigger(s, e, event.type) for event in events if event.type in _SCORED_TYPES
            for s, e in event.mentions]


def _overlaps(p: PredictedTrigger, g: GoldTrigger) -> bool:
    return p.start < g.end and g.start < p.end


def _prf(correct: int, found: int, gold: int, predicted: int) -> dict[str, Any]:
    precision = correct / predicted if predicted else 0.0
    recall = found / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "gold": gold, "predicted": predicted}


def score(documents: list[tuple[list[GoldTrigger], list[PredictedTrigger]]]) -> dict[str, Any]:
    """Trigger and type precision/recall/F1 (see the module docstring), overall and per KAIROS group."""
    names = ("trigger", "type", "trigger_excluding_uncovered", "type_excluding_uncovered")
    counts = {name: [0, 0, 0, 0] for name in names}
    groups: dict[str, list[int]] = {}
    for gold_all, predicted_all in documents:
        gold = [g for g in gold_all if g.group is not None]
        uncovered = [g for g in gold_all if g.group is None]
        kept = [p for p in predicted_all
                if any(_overlaps(p, g) for g in gold) or not any(_overlaps(p, g) for g in uncovered)]
        for name in names:
            typed = name.startswith("type")
            predicted = kept if name.endswith("uncovered") else predicted_all
            tally = counts[name]
            tally[0] += sum(1 for p in predicted if any(_matches(p, g, typed) for g in gold))
            tally[1] += sum(1 for g in gold if any(_matches(p, g, typed) for p in predicted))
            tally[2] += len(gold)
            tally[3] += len(predicted)
        for group, plover in COVERED.items():
            mine = [g for g in gold if g.group == group]
            theirs = [p for p in predicted_all if p.type in plover]
            tally = groups.setdefault(group, [0, 0, 0, 0])
            tally[0] += sum(1 for p in theirs if any(_overlaps(p, g) for g in mine))
            tally[1] += sum(1 for g in mine if any(_overlaps(p, g) for p in theirs))
            tally[2] += len(mine)
            tally[3] += len(theirs)
    result: dict[str, Any] = {name: _prf(*counts[name]) for name in names}
    result["per_type"] = {group: _prf(*tally) for group, tally in groups.items() if tally[2]}
    return result


def _matches(p: PredictedTrigger, g: GoldTrigger, typed: bool) -> bool:
    return _overlaps(p, g) and (not typed or (g.group is not None and p.type in COVERED[g.group]))


def evaluate(pipeline: Any, path: Path, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Score the pipeline's events on the WikiEvents file at ``path`` (see the module docstring)."""
    started = time.perf_counter()
    documents = read_documents(path)
    scored = []
    splits: list[str] = []
    for number, document in enumerate(documents, start=1):
        article, gold = article_for(document)
        doc = pipeline.analyse(article)
        scored.append((gold, predicted_triggers(doc.events)))
        splits.append(split_of(str(document.get("doc_id", ""))))
        progress(number, len(documents))
    result: dict[str, Any] = {"dataset": "wikievents", "path": str(path), "documents": len(documents),
                              "gold_mentions_covered": sum(1 for g, _ in scored for t in g if t.group),
                              "gold_mentions_all": sum(len(d["event_mentions"]) for d in documents)}
    result.update(score(scored))
    result["splits"] = {}
    for name in ("all", "tune", "check"):
        part = [d for d, split in zip(scored, splits, strict=True) if name in ("all", split)]
        metrics = score(part)
        result["splits"][name] = {"documents": len(part), "trigger": metrics["trigger"], "type": metrics["type"]}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result

"""``wirewatch eval plover PATH``: event typing and actors on the PLOVER gold standard records.

Definition:

- **Data.** ``PLOVER_GSR_CAMEO.json`` (a JSON array; the ``DOCUMENT`` record is skipped): 322 edited
  CAMEO-manual sentences, each with a gold ``event`` type and ``source``/``target`` actors carrying
  ISO alpha-3 ``code``\\ s. Each sentence is run as ``Article(uri="plover:<id>", headline="",
  body_text=<text>, published=<record date> 12:00 UTC)``.
- **The predicted event** of a sentence: its non-STATEMENT event with the highest confidence (ties:
  the earliest mention). A sentence with none has no prediction.
- **Metrics.** ``type_accuracy``: predicted type = gold type, over all records (no prediction counts
  wrong). ``coverage``: share of records with a prediction. ``accuracy_when_predicted``: type
  accuracy over those. ``any_event_type_match`` (informational): the gold type is the type of any
  predicted non-STATEMENT event. ``per_type``: precision, recall and F1 of each gold type (a
  prediction of type T is correct when the gold type is T). ``source_country_match``: share of
  records with a gold source where a source actor of the predicted event has a ``country`` among
  the gold source codes; ``recipient_country_match``: the same for recipients over records with a
  non-empty gold target. Both count records without a prediction as misses. An actor's country is
  the ``country`` the pipeline gave it (a country's own code; a person's or organisation's from the
  knowledge base or its title/name); gold codes that are not countries (``IGO``, ``NGO``, ``IMG``)
  are never predicted, so those records always miss.
- **Splits.** The set has no train/dev split, so the metrics are reported three times: ``all``
  (every record; also the top-level keys, as before), ``tune`` and ``check``. A record is ``tune``
  when the number its id ends with is odd (``PLOVER-GSR01-AGREE-0003``), ``check`` when it is even
  (ids without a trailing number are ``check``). Rules and lexicon entries are tuned looking only at
  ``tune`` errors; ``check`` is the honest held-aside figure.
- The set is small and edited (see its PROVENANCE.md): a regression check, not a recall estimate.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas import Article, Event
from schemas.errors import ConfigError
from streams.evaluation.conll import prf as _prf

__all__ = ["PloverRecord", "Prediction", "article_for", "evaluate", "pick", "read_records", "score", "split_of"]

_TRAILING_NUMBER = re.compile(r"(\d+)$")


@dataclass(frozen=True, slots=True)
class PloverRecord:
    """One gold record: its sentence, date, event type and the source/target country codes."""

    id: str
    text: str
    date: str | None
    event: str
    sources: frozenset[str]
    targets: frozenset[str]


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the pipeline found for one record: the picked event's type and actors' countries."""

    type: str | None
    source_countries: frozenset[str] = frozenset()
    recipient_countries: frozenset[str] = frozenset()
    all_types: frozenset[str] = field(default_factory=frozenset)


def read_records(path: Path) -> list[PloverRecord]:
    """The event records of a PLOVER GSR file (the DOCUMENT record skipped)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read PLOVER records: {exc}") from exc
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a JSON array of records")
    records = []
    for number, item in enumerate(data):
        if not isinstance(item, dict) or item.get("event") == "DOCUMENT":
            continue
        if not item.get("text") or not item.get("event"):
            raise ConfigError(f"{path}: record {number}: needs 'text' and 'event'")
        records.append(PloverRecord(
            id=str(item.get("id", number)), text=item["text"], date=item.get("date"), event=item["event"],
            sources=_codes(item.get("source")), targets=_codes(item.get("target")),
        ))
    return records


def _codes(actors: Any) -> frozenset[str]:
    """ISO codes of a ``source``/``target`` list (some records hold a stray string instead: none)."""
    if not isinstance(actors, list):
        return frozenset()
    return frozenset(a["code"] for a in actors if isinstance(a, dict) and a.get("code"))


def article_for(record: PloverRecord) -> Article:
    """The one-sentence article a record is run as."""
    published = None
    if record.date:
        try:
            published = datetime.fromisoformat(record.date).replace(hour=12, tzinfo=UTC)
        except ValueError:
            published = None
    return Article(uri=f"plover:{record.id}", headline="", body_text=record.text, published=published)


def pick(events: list[Event]) -> Event | None:
    """The predicted event: the non-STATEMENT event of highest confidence, the earliest on ties."""
    candidates = [e for e in events if e.type != "STATEMENT"]
    if not candidates:
        return None
    return min(candidates, key=lambda e: (-e.confidence, e.mentions[0][0] if e.mentions else 0))


def split_of(record_id: str) -> str:
    """``tune`` when the number ``record_id`` ends with is odd, else ``check`` (see the module docstring)."""
    number = _TRAILING_NUMBER.search(record_id)
    return "tune" if number is not None and int(number.group(1)) % 2 == 1 else "check"


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def score(pairs: list[tuple[PloverRecord, Prediction]]) -> dict[str, Any]:
    """The metrics of the module docstring over ``(gold record, prediction)`` pairs."""
    total = len(pairs)
    predicted = [(g, p) for g, p in pairs if p.type is not None]
    correct = sum(1 for g, p in predicted if g.event == p.type)
    types = sorted({g.event for g, _ in pairs} | {p.type for _, p in predicted if p.type})
    per_type = {
        t: _prf(sum(1 for g, p in predicted if g.event == t and p.type == t),
                sum(1 for g, _ in pairs if g.event == t),
                sum(1 for _, p in predicted if p.type == t))
        for t in types
    }
    with_source = [(g, p) for g, p in pairs if g.sources]
    with_target = [(g, p) for g, p in pairs if g.targets]
    return {
        "records": total,
        "type_accuracy": _ratio(correct, total),
        "coverage": _ratio(len(predicted), total),
        "accuracy_when_predicted": _ratio(correct, len(predicted)),
        "any_event_type_match": _ratio(sum(1 for g, p in pairs if g.event in p.all_types), total),
        "source_country_match": _ratio(sum(1 for g, p in with_source if g.sources & p.source_countries),
                                       len(with_source)),
        "records_with_source": len(with_source),
        "recipient_country_match": _ratio(sum(1 for g, p in with_target if g.targets & p.recipient_countries),
                                          len(with_target)),
        "records_with_target": len(with_target),
        "per_type": per_type,
    }


def _prediction(doc: Any) -> Prediction:
    events = doc.events
    chosen = pick(events)
    all_types = frozenset(e.type for e in events if e.type != "STATEMENT")
    if chosen is None:
        return Prediction(None, all_types=all_types)

    def countries(ids: list[str]) -> frozenset[str]:
        return frozenset(c for c in (doc.actors[i].country for i in ids if i in doc.actors) if c)

    return Prediction(chosen.type, countries(chosen.actors), countries(chosen.recipients), all_types)


_SUMMARY_KEYS = ("records", "type_accuracy", "coverage", "accuracy_when_predicted", "any_event_type_match",
                 "source_country_match", "recipient_country_match")


def _summary(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics[key] for key in _SUMMARY_KEYS}


def evaluate(pipeline: Any, path: Path, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Score the pipeline's events on the PLOVER GSR file at ``path`` (see the module docstring)."""
    started = time.perf_counter()
    records = read_records(path)
    pairs = []
    for number, record in enumerate(records, start=1):
        doc = pipeline.analyse(article_for(record))
        pairs.append((record, _prediction(doc)))
        progress(number, len(records))
    result: dict[str, Any] = {"dataset": "plover", "path": str(path)}
    result.update(score(pairs))
    result["splits"] = {
        "all": _summary(result),
        **{name: _summary(score([(g, p) for g, p in pairs if split_of(g.id) == name])) for name in ("tune", "check")},
    }
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result

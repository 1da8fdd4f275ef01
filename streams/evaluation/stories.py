"""``wirewatch eval ecbplus PATH``: story tracking (``story_id``) against the gold stories of ECB+.

Definition (``streams/stories/README.md`` has the figures):

- Data: ``train_dev.jsonl`` of ECB+ topics 1-35 (``PROVENANCE.md`` beside it). Each line is an
  ``Article(uri=doc_id, headline=headline, body_text=text)``; each topic holds two look-alike
  stories (the ``ecb`` and ``ecbplus`` halves), and ``subtopic`` is the gold story.
- Run: every article goes through ``pipeline.extract`` once (the records are kept in memory for
  the run), then through a fresh :class:`~streams.stories.tracker.StoryTracker` (``observe`` +
  ``apply``) in a shuffled order (``random.Random(seed)``), one minute of event time apart (the
  corpus has no dates, so no window or dormancy comes into play).
- Scoring: B-cubed precision, recall and F1 of the predicted ``story_id`` against ``subtopic`` (per
  article: the share of its predicted story in its gold story, and of its gold story in its
  predicted story, averaged over articles), and pairwise precision, recall and F1 (over article
  pairs put in one story). Each for seed ``SEEDS[0]`` and as a mean over ``SEEDS``.
- Splits: ``all`` topics, ``odd`` topics (the ones the defaults were tuned on) and ``even`` topics
  (held aside: the honest figure), each tracked on its own.
- ``baseline_tfidf``: the same tracker with ``use_entities=False`` (terms only: TF-IDF
  single-pass clustering) and its own tuned threshold, so the gain of actors, places and dates
  shows.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from schemas import Article, EnrichedArticle
from schemas.errors import ConfigError
from streams.stories.config import StoryConfig
from streams.stories.features import TextFeatures, text_features
from streams.stories.tracker import StoryTracker

__all__ = [
    "BASELINE_CONFIG",
    "SEEDS",
    "Labelled",
    "bcubed",
    "evaluate",
    "pairwise",
    "read_ecbplus",
    "score_runs",
    "track",
]

SEEDS = (1, 2, 3)
#: the TF-IDF-only baseline: the same tracker without actors, places and dates (threshold tuned on odd topics)
BASELINE_CONFIG = StoryConfig(use_entities=False, link_threshold=0.25)
_START = datetime(2024, 1, 1, tzinfo=UTC)

#: one article of the corpus: ``(article, topic, gold story)``
Labelled = tuple[Article, int, str]


def read_ecbplus(path: Path) -> list[Labelled]:
    """The articles of an ECB+ ``train_dev.jsonl`` with their topic and gold story."""
    rows: list[Labelled] = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = orjson.loads(line)
                article = Article(uri=data["doc_id"], headline=data["headline"], body_text=data["text"])
                rows.append((article, int(data["topic"]), str(data["subtopic"])))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"{path}:{number}: not an ECB+ article line: {exc}") from exc
    return rows


def track(records: Sequence[tuple[EnrichedArticle, TextFeatures]], config: StoryConfig, seed: int) -> dict[str, str]:
    """Feed ``records`` to a fresh tracker in a seeded shuffled order; returns uri -> story id."""
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)  # noqa: S311 (a seeded evaluation order, not a secret)
    tracker = StoryTracker({}, config)
    assigned: dict[str, str] = {}
    for step, position in enumerate(order):
        enriched, features = records[position]
        at = _START + timedelta(minutes=step)
        enriched = enriched.model_copy(update={"ingested_at": at, "published": None})
        observation = tracker.observe(enriched, features)
        tracker.apply(observation)
        assigned[enriched.uri] = observation.story_id or enriched.uri
    return assigned


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering (item -> cluster) against gold."""
    by_predicted, by_gold = _groups(predicted), _groups(gold)
    precision = recall = 0.0
    for item in gold:
        mine, truth = by_predicted[predicted[item]], by_gold[gold[item]]
        shared = len(mine & truth)
        precision += shared / len(mine)
        recall += shared / len(truth)
    return _prf(precision / len(gold), recall / len(gold))


def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1: over item pairs that share a cluster."""
    predicted_pairs = _pairs(_groups(predicted).values())
    gold_pairs = _pairs(_groups(gold).values())
    correct = len(predicted_pairs & gold_pairs)
    return _prf(correct / len(predicted_pairs) if predicted_pairs else 0.0,
                correct / len(gold_pairs) if gold_pairs else 0.0)


def score_runs(records: Sequence[tuple[EnrichedArticle, TextFeatures]], gold: dict[str, str],
               config: StoryConfig, seeds: Sequence[int] = SEEDS) -> dict[str, Any]:
    """B-cubed and pairwise scores of one seeded run per seed, the first seed's and the mean."""
    runs: list[dict[str, Any]] = []
    for seed in seeds:
        predicted = track(records, config, seed)
        runs.append({"bcubed": bcubed(predicted, gold), "pairwise": pairwise(predicted, gold),
                     "stories": len(set(predicted.values()))})
    mean = {name: _prf(sum(r[name]["precision"] for r in runs) / len(runs),
                       sum(r[name]["recall"] for r in runs) / len(runs),
                       f1=sum(r[name]["f1"] for r in runs) / len(runs))
            for name in ("bcubed", "pairwise")}
    return {"seed": seeds[0], **runs[0], "mean_over_seeds": {"seeds": list(seeds), **mean},
            "gold_stories": len(set(gold.values())), "articles": len(gold)}


def evaluate(pipeline: Any, path: Path, progress: Callable[[int, int], None],
             config: StoryConfig | None = None, baseline: bool = True) -> dict[str, Any]:
    """Score story tracking on the ECB+ file at ``path`` (see the module docstring)."""
    started = time.perf_counter()
    if path.is_dir():
        path = path / "ecbplus" / "train_dev.jsonl" if (path / "ecbplus").is_dir() else path / "train_dev.jsonl"
    rows = read_ecbplus(path)
    config = config or StoryConfig()
    records = []
    for done, (article, _, _) in enumerate(rows, start=1):
        records.append((pipeline.extract(article), text_features(article.headline, article.body_text, config)))
        progress(done, len(rows))
    extract_seconds = time.perf_counter() - started
    result: dict[str, Any] = {"dataset": "ecbplus", "path": str(path), "articles": len(rows),
                              "config": _tunables(config)}
    result.update(splits(rows, records, config))
    if baseline:
        base = replace(BASELINE_CONFIG, num_perm=config.num_perm)
        result["baseline_tfidf"] = {"config": _tunables(base), **splits(rows, records, base)}
    result["extract_seconds"] = round(extract_seconds, 2)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def splits(rows: Sequence[Labelled], records: Sequence[tuple[EnrichedArticle, TextFeatures]],
           config: StoryConfig) -> dict[str, Any]:
    """The scores on all topics, on odd topics (tuned on) and on even topics (held aside)."""
    chosen = {"all": lambda topic: True, "odd_tuned": lambda topic: topic % 2 == 1,
              "even_held_aside": lambda topic: topic % 2 == 0}
    result = {}
    for name, keep in chosen.items():
        picked = [i for i, (_, topic, _) in enumerate(rows) if keep(topic)]
        gold = {rows[i][0].uri: rows[i][2] for i in picked}
        result[name] = score_runs([records[i] for i in picked], gold, config)
    return result


def _tunables(config: StoryConfig) -> dict[str, Any]:
    names = ("link_threshold", "use_entities", "actor_weight", "place_weight", "date_weight", "kind_weight",
             "participant_conflict_penalty", "date_conflict_penalty")
    return {name: getattr(config, name) for name in names}


def _groups(assignment: dict[str, str]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for item, cluster in assignment.items():
        groups[cluster].add(item)
    return groups


def _pairs(groups: Iterable[set[str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for group in groups:
        members = sorted(group)
        found.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    return found


def _prf(precision: float, recall: float, f1: float | None = None) -> dict[str, float]:
    if f1 is None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

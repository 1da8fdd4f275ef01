"""``wirewatch eval duplicates PATH``: near-duplicate detection on edited copies and same-story pairs.

Definition (``streams/stories/README.md`` has the figures):

- PATH: the ECB+ ``train_dev.jsonl``, or a directory holding ``ecbplus/train_dev.jsonl`` (such
  as ``/work/shared/eval``). The PolNeAR texts are read from ``polnear/*/text/*.txt`` beside the
  ``ecbplus`` directory (with ``polnear/metadata.tsv``) when they are there.
- Positives (should be duplicates): every ECB+ article and every PolNeAR text with an edited
  copy of it, made with ``random.Random(seed)``: one to three of ``new_headline`` (another
  headline of the same story, or "UPDATE 2-" before it), ``drop_paragraph``, ``add_paragraph`` (a
  paragraph from another article of the same story), ``reorder`` (two paragraphs swapped and
  one paragraph's sentences rotated) and ``boilerplate`` (a "CITY (Reuters) -" dateline and a
  "Reporting by ...; Editing by ..." line).
- Hard negatives (two articles of one story, not duplicates): every pair of different ECB+
  articles of one ``subtopic``; PolNeAR pairs from two different publishers on the same day whose
  titles share at least two content words (PolNeAR has no story labels: "likely the same story").
- Decision: the real path: a fresh :class:`~streams.stories.tracker.StoryTracker` sees the first
  article, then the second; a pair is called a duplicate when ``duplicate_of`` names the first
  (MinHash LSH candidates, then estimated Jaccard >= ``duplicate_threshold``).
- Reported: precision, recall, F1 and the counts, recall per edit kind, the negatives wrongly
  called duplicates by corpus, and a threshold sweep over the estimated Jaccard (no LSH).
Needs no extraction: ``pipeline`` is not used (the articles are built without findings).
"""

from __future__ import annotations

import csv
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas import EnrichedArticle
from streams.evaluation.stories import read_ecbplus
from streams.stories.config import StoryConfig
from streams.stories.features import TextFeatures, estimated_jaccard, text_features, tokens
from streams.stories.tracker import StoryTracker

__all__ = ["EDITS", "Pair", "Text", "edited_copy", "evaluate", "find_polnear", "is_duplicate"]

EDITS = ("new_headline", "drop_paragraph", "add_paragraph", "reorder", "boilerplate")
_CITIES = ("LONDON", "WASHINGTON", "NEW YORK", "PARIS", "BRUSSELS", "GENEVA")
_NAMES = ("Jane Doe", "Ali Hassan", "Maria Lopez", "Tom Berg", "Li Wei", "Anna Holm")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Text:
    """One source text: its id, headline, paragraphs, and the story group it belongs to."""

    id: str
    headline: str
    paragraphs: tuple[str, ...]
    group: str
    corpus: str


@dataclass(frozen=True)
class Pair:
    """Two texts, and whether the second is a copy of the first."""

    first: tuple[str, str]
    second: tuple[str, str]
    duplicate: bool
    corpus: str
    edits: tuple[str, ...] = ()


def edited_copy(text: Text, others: Sequence[Text], rng: random.Random) -> tuple[str, str, tuple[str, ...]]:
    """A lightly edited copy of ``text``: ``(headline, body, edits applied)``."""
    edits = tuple(sorted(rng.sample(EDITS, rng.randint(1, 3))))
    headline, paragraphs = text.headline, list(text.paragraphs)
    for edit in edits:
        if edit == "new_headline":
            options = [o.headline for o in others if o.headline and o.headline != text.headline]
            headline = rng.choice(options) if options and rng.random() < 0.5 else f"UPDATE 2-{headline}"
        elif edit == "drop_paragraph" and len(paragraphs) > 2:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        elif edit == "add_paragraph":
            pool = [p for o in others for p in o.paragraphs] or ["The story has been updated."]
            paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), rng.choice(pool))
        elif edit == "reorder":
            paragraphs = _reorder(paragraphs, rng)
        elif edit == "boilerplate":
            paragraphs[0] = f"{rng.choice(_CITIES)} (Reuters) - {paragraphs[0]}"
            paragraphs.append(f"Reporting by {rng.choice(_NAMES)}; Editing by {rng.choice(_NAMES)}")
    return headline, "\n\n".join(paragraphs), edits


def _reorder(paragraphs: list[str], rng: random.Random) -> list[str]:
    paragraphs = list(paragraphs)
    if len(paragraphs) > 2:
        i, j = rng.sample(range(1, len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    at = rng.randrange(len(paragraphs))
    sentences = _SENTENCE.split(paragraphs[at])
    if len(sentences) > 1:
        paragraphs[at] = " ".join(sentences[1:] + sentences[:1])
    return paragraphs


def is_duplicate(first: tuple[str, TextFeatures], second: tuple[str, TextFeatures], config: StoryConfig) -> bool:
    """Whether a fresh tracker that saw ``first`` calls ``second`` its near-duplicate."""
    tracker = StoryTracker({}, config)
    tracker.apply(tracker.observe(_bare("a:" + first[0], _START), first[1]))
    observation = tracker.observe(_bare("b:" + second[0], _START + timedelta(hours=1)), second[1])
    return observation.duplicate_of == "a:" + first[0]


def _bare(uri: str, at: datetime) -> EnrichedArticle:
    return EnrichedArticle(uri=uri, headline="", published=at, extractor={}, ingested_at=at, processed_at=at,
                           text_length=0)


def find_polnear(path: Path) -> Path | None:
    """The PolNeAR directory that belongs with the ECB+ ``path`` (file or directory), if any."""
    root = path if path.is_dir() else path.parent.parent
    candidate = root / "polnear"
    return candidate if (candidate / "metadata.tsv").is_file() else None


def evaluate(pipeline: Any, path: Path, progress: Callable[[int, int], None], seed: int = 13,
             config: StoryConfig | None = None, max_negatives_per_group: int = 200) -> dict[str, Any]:
    """Score near-duplicate detection on the pairs described in the module docstring."""
    del pipeline
    started = time.perf_counter()
    config = config or StoryConfig()
    ecb_file = path / "ecbplus" / "train_dev.jsonl" if path.is_dir() else path
    texts = _ecb_texts(ecb_file)
    polnear = find_polnear(path)
    if polnear is not None:
        texts += _polnear_texts(polnear)
    rng = random.Random(seed)  # noqa: S311 (seeded edits for an evaluation, not a secret)
    pairs, bodies = _pairs(texts, rng, max_negatives_per_group)
    features = {key: text_features(headline, body, config) for key, (headline, body) in bodies.items()}
    called: list[bool] = []
    for done, pair in enumerate(pairs, start=1):
        called.append(is_duplicate((pair.first[1], features[pair.first]), (pair.second[1], features[pair.second]),
                                   config))
        if done % 200 == 0 or done == len(pairs):
            progress(done, len(pairs))
    result: dict[str, Any] = {"dataset": "duplicates", "path": str(ecb_file),
                              "polnear": str(polnear) if polnear else None, "seed": seed,
                              "duplicate_threshold": config.duplicate_threshold, "num_perm": config.num_perm}
    result.update(_scores(pairs, called))
    result["recall_by_edit"] = _recall_by_edit(pairs, called)
    result["false_duplicates_by_corpus"] = dict(sorted(Counter(
        p.corpus for p, c in zip(pairs, called, strict=True) if c and not p.duplicate).items()))
    result["negatives_by_corpus"] = dict(sorted(Counter(p.corpus for p in pairs if not p.duplicate).items()))
    result["threshold_sweep"] = _sweep(pairs, features)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _pairs(texts: Sequence[Text], rng: random.Random,
           max_negatives: int) -> tuple[list[Pair], dict[tuple[str, str], tuple[str, str]]]:
    groups: dict[str, list[Text]] = defaultdict(list)
    for text in texts:
        groups[text.group].append(text)
    bodies: dict[tuple[str, str], tuple[str, str]] = {}
    pairs: list[Pair] = []
    for text in texts:
        original = ("orig", text.id)
        bodies[original] = (text.headline, "\n\n".join(text.paragraphs))
        others = [o for o in groups[text.group] if o.id != text.id]
        headline, body, edits = edited_copy(text, others, rng)
        copy = ("copy", text.id)
        bodies[copy] = (headline, body)
        pairs.append(Pair(original, copy, True, text.corpus, edits))
    for group in sorted(groups):
        members = groups[group]
        combos = [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
        if len(combos) > max_negatives:
            combos = rng.sample(combos, max_negatives)
        pairs.extend(Pair(("orig", a.id), ("orig", b.id), False, a.corpus) for a, b in combos)
    return pairs, bodies


def _ecb_texts(path: Path) -> list[Text]:
    texts = []
    for article, _, subtopic in read_ecbplus(path):
        lines = tuple(line for line in article.body_text.splitlines() if line.strip())
        texts.append(Text(article.uri, article.headline, lines, "ecb:" + subtopic, "ecbplus"))
    return texts


def _polnear_texts(root: Path) -> list[Text]:
    """PolNeAR texts grouped as "likely the same story" (see the module docstring)."""
    files = {p.stem: p for p in sorted(root.glob("*/text/*.txt"))}
    rows = []
    with (root / "metadata.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["filename"] in files:
                rows.append(row)
    by_day: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_day[row["publication_date"]].append(row)
    group_of: dict[str, str] = {}
    for day, day_rows in sorted(by_day.items()):
        for i, a in enumerate(day_rows):
            for b in day_rows[i + 1:]:
                if a["publisher"] != b["publisher"] and len(_title_words(a) & _title_words(b)) >= 2:
                    group = group_of.get(a["filename"]) or group_of.get(b["filename"]) or f"polnear:{day}:{i}"
                    group_of.setdefault(a["filename"], group)
                    group_of.setdefault(b["filename"], group)
    texts = []
    for row in rows:
        raw = files[row["filename"]].read_text(encoding="utf-8")
        paragraphs = tuple(p.strip() for p in raw.split("\n\n") if p.strip())
        if len(paragraphs) < 2:
            continue
        group = group_of.get(row["filename"], "polnear:" + row["filename"])
        texts.append(Text("polnear:" + row["filename"], paragraphs[0], paragraphs[1:], group, "polnear"))
    return texts


def _title_words(row: dict[str, str]) -> set[str]:
    return {w for w in tokens(row.get("title", "")) if len(w) > 3}


def _scores(pairs: Sequence[Pair], called: Sequence[bool]) -> dict[str, Any]:
    tp = sum(1 for p, c in zip(pairs, called, strict=True) if c and p.duplicate)
    fp = sum(1 for p, c in zip(pairs, called, strict=True) if c and not p.duplicate)
    positives = sum(1 for p in pairs if p.duplicate)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "positives": positives, "hard_negatives": len(pairs) - positives, "true_positives": tp,
            "false_positives": fp}


def _recall_by_edit(pairs: Sequence[Pair], called: Sequence[bool]) -> dict[str, Any]:
    found: dict[str, list[int]] = {edit: [0, 0] for edit in EDITS}
    for pair, call in zip(pairs, called, strict=True):
        for edit in pair.edits:
            found[edit][0] += int(call)
            found[edit][1] += 1
    return {edit: {"recall": round(hit / total, 4) if total else 0.0, "pairs": total}
            for edit, (hit, total) in found.items()}


def _sweep(pairs: Sequence[Pair], features: dict[tuple[str, str], TextFeatures]) -> list[dict[str, Any]]:
    similarity = [estimated_jaccard(features[p.first].minhash, features[p.second].minhash) for p in pairs]
    rows = []
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        called = [s >= threshold for s in similarity]
        scores = _scores(pairs, called)
        rows.append({"threshold": threshold, **{k: scores[k] for k in ("precision", "recall", "f1",
                                                                          "false_positives")}})
    return rows

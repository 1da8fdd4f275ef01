"""Story tracking cost per article with few and with many open stories.

    .venv/bin/python bench/stories.py --stories 100 100000

For each size N it fills a fresh in-memory store with N open stories (one article each, fed through
``observe`` + ``apply`` like the worker), then times ``observe`` + ``apply`` of ``--probe`` new
articles: half are other reports of an existing story (they join it), half open a new story.
Text features are computed before the timer starts (the extraction process computes them).

Synthetic stories, seeded (``random.Random(7)``): a vocabulary of 30,000 made-up words drawn
with Zipf-like weights (rank^-1.1, like news text), 20,000 made-up participants (people,
organisations, countries) and 2,000 places. A story is 25 topic words, 3 participants and a
place; each of its articles is 150 words: 55% from the story's topic words, 45% from the whole
vocabulary, with its participants and place named in it. Event times stay inside one quiet period,
so every story is open. Prints one JSON object: ms per article (mean, p50, p95) per size, and
the size of the state and the time to rebuild the indexes from it (a worker's restart).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from schemas import EnrichedArticle
from schemas.enriched import Actor
from streams.stories.config import StoryConfig
from streams.stories.features import TextFeatures, text_features
from streams.stories.tracker import StoryTracker

_START = datetime(2025, 1, 1, tzinfo=UTC)
_SYLLABLES = ["ka", "lo", "mi", "ta", "ren", "sol", "vi", "dar", "nu", "pe", "qua", "zo", "bri", "tes", "mon", "ul"]


class _World:
    """The synthetic vocabulary, participants and places."""

    def __init__(self, rng: random.Random) -> None:
        words = {"".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(60_000)}
        self.words = sorted(words)[:30_000]
        rng.shuffle(self.words)
        self.weights = list(itertools.accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(len(self.words))))
        kinds = ("person", "organization", "country")
        self.participants = [(f"ww:bench:{i}", f"Name{i} Surname{i % 997}", kinds[i % 3]) for i in range(20_000)]
        self.places = [f"Place{i}town" for i in range(2_000)]

    def story(self, rng: random.Random) -> dict[str, Any]:
        return {"topic": rng.sample(self.words[200:], 25), "participants": rng.sample(self.participants, 3),
                "place": rng.choice(self.places)}

    def article(self, story: dict[str, Any], rng: random.Random, uri: str,
                at: datetime) -> tuple[EnrichedArticle, TextFeatures]:
        body_words = [rng.choice(story["topic"]) if rng.random() < 0.55 else
                      rng.choices(self.words, cum_weights=self.weights)[0] for _ in range(150)]
        names = [name for _, name, _ in story["participants"]]
        sentences = [" ".join(body_words[i:i + 15]) + "." for i in range(0, 150, 15)]
        sentences.insert(1, f"{names[0]} met {names[1]} in {story['place']}.")
        sentences.append(f"{names[2]} said {names[0]} would return to {story['place']}.")
        headline = f"{names[0]} and {names[1]} in {story['place']}"
        text = f"{headline}\n\n{' '.join(sentences)}"
        actors = [Actor(id=actor_id, name=name, type=kind,  # type: ignore[arg-type]
                        mentions=[(text.find(name), text.find(name) + len(name))] * (2 if n < 2 else 1))
                  for n, (actor_id, name, kind) in enumerate(story["participants"])]
        record = EnrichedArticle(uri=uri, headline=headline, published=at, extractor={}, ingested_at=at,
                                 processed_at=at, text_length=len(text), actors=actors)
        return record, text_features(headline, " ".join(sentences))


def _measure(size: int, probes: int, world: _World, config: StoryConfig) -> dict[str, Any]:
    rng = random.Random(size)
    stories = [world.story(rng) for _ in range(size)]
    tracker = StoryTracker({}, config)
    spread = config.quiet_period_s / 2 / max(size, 1)
    started = time.perf_counter()
    for n, story in enumerate(stories):
        tracker.apply(tracker.observe(*world.article(story, rng, f"urn:bench:{n}",
                                                     _START + timedelta(seconds=n * spread))))
    fill_seconds = time.perf_counter() - started
    # what a worker does after a restart or rebalance: rebuild the indexes from the recovered table
    started = time.perf_counter()
    StoryTracker(tracker.store, config)
    rebuild_seconds = time.perf_counter() - started
    state_bytes = sum(len(orjson.dumps(value)) for value in tracker.store.values())
    end = _START + timedelta(seconds=size * spread)
    inputs = []
    for n in range(probes):
        story = rng.choice(stories) if n % 2 == 0 else world.story(rng)
        inputs.append(world.article(story, rng, f"urn:probe:{n}", end + timedelta(seconds=n)))
    timings, joined = [], 0
    open_before = len(tracker.index.story_keys)
    for enriched, features in inputs:
        started = time.perf_counter()
        observation = tracker.observe(enriched, features)
        tracker.apply(observation)
        timings.append((time.perf_counter() - started) * 1000)
        joined += int(not any(u.change == "new_story" for u in observation.updates))
    timings.sort()
    return {
        "open_stories": open_before, "probe_articles": probes,
        "ms_per_article_mean": round(statistics.fmean(timings), 3),
        "ms_per_article_p50": round(timings[len(timings) // 2], 3),
        "ms_per_article_p95": round(timings[int(len(timings) * 0.95)], 3),
        "probes_joining_a_story": joined, "probes_meant_to_join": (probes + 1) // 2,
        "fill_seconds": round(fill_seconds, 1),
        "rebuild_seconds": round(rebuild_seconds, 2), "state_records": len(tracker.store),
        "state_mb": round(state_bytes / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, nargs="+", default=[100, 100_000], help="open stories per run")
    parser.add_argument("--probe", type=int, default=400, help="articles timed per run")
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (default 0)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    world = _World(random.Random(7))
    config = StoryConfig()
    result: dict[str, Any] = {"config": {"max_candidates": config.max_candidates, "query_terms": config.query_terms,
                                         "index_terms": config.index_terms, "max_posting": config.max_posting}}
    for size in args.stories:
        print(f"bench: filling {size} stories", file=sys.stderr)
        result[str(size)] = _measure(size, args.probe, world, config)
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The tracker's in-memory indexes, rebuilt from the store's records and kept in step with them.

Nothing here is the truth: the store is. Each index is a function of the records, so
:meth:`StoryIndex.add` and :meth:`StoryIndex.remove` take a record as it is written or deleted, and
a fresh tracker over the same store builds the same indexes.

- document frequencies of every vector key over the (non-duplicate) article versions, for IDF;
- MinHash LSH (datasketch) over article signatures, for near-duplicates;
- an inverted index from a story's heaviest terms, its main actors and its places to the story,
  for candidate stories (a key shared by more than ``max_posting`` stories is not used to retrieve);
- a time line of records (articles by time, stories by last seen), for eviction.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from streams.stories.config import StoryConfig
from streams.stories.features import MINHASH_SCHEME
from streams.stories.profile import ACTOR, PLACE, top_keys

__all__ = ["ARTICLE", "STORY", "StoryIndex"]

#: store key prefixes
ARTICLE, STORY = "article:", "story:"
_EMPTY_HASH = np.iinfo(np.uint32).max
_STORY_ACTOR_KEYS = 8


class StoryIndex:
    """Document frequencies, duplicate LSH, candidate postings and the eviction time line."""

    def __init__(self, config: StoryConfig) -> None:
        self.config = config
        self.df: Counter[str] = Counter()
        self.documents = 0
        self.lsh = MinHashLSH(threshold=config.duplicate_threshold, num_perm=config.num_perm,
                              params=_lsh_bands(config.duplicate_threshold, config.num_perm))
        self.postings: dict[str, set[str]] = {}
        self.story_keys: dict[str, tuple[str, ...]] = {}
        self.timeline: list[tuple[float, str]] = []
        self.clock = float("-inf")

    def load(self, records: Iterable[tuple[str, Any]]) -> None:
        """Index every record of a store (articles first, so stories are keyed with the final IDF)."""
        stories = []
        for key, value in records:
            if key.startswith(STORY):
                stories.append((key, value))
            elif key.startswith(ARTICLE):
                self.add(key, value)
        for key, value in stories:
            self.add(key, value)

    def add(self, key: str, record: Mapping[str, Any]) -> None:
        """Index a record just written under ``key``."""
        if key.startswith(ARTICLE):
            self._add_article(key, record)
        elif key.startswith(STORY):
            self._add_story(key, record)

    def remove(self, key: str, record: Mapping[str, Any]) -> None:
        """Forget a record that is about to be replaced or deleted."""
        if key.startswith(ARTICLE):
            self._remove_article(key, record)
        elif key.startswith(STORY):
            self._remove_story(key, record)

    # -- articles --------------------------------------------------------------------------------
    def _add_article(self, key: str, record: Mapping[str, Any]) -> None:
        vector = record.get("v")
        if vector is not None:
            self.df.update(vector.keys())
            self.documents += 1
        signature = record.get("mh")
        if signature and not _empty(signature):
            self.lsh.insert(record["uri"], _sketch(signature, self.config.num_perm), check_duplication=False)
        bisect.insort(self.timeline, (float(record["t"]), key))
        self.clock = max(self.clock, float(record["t"]))

    def _remove_article(self, key: str, record: Mapping[str, Any]) -> None:
        vector = record.get("v")
        if vector is not None:
            self.df.subtract(vector.keys())
            for term in vector:
                if self.df[term] <= 0:
                    del self.df[term]
            self.documents -= 1
        if self.lsh.__contains__(record["uri"]):
            self.lsh.remove(record["uri"])
        self._untime(float(record["t"]), key)

    # -- stories ---------------------------------------------------------------------------------
    def _add_story(self, key: str, record: Mapping[str, Any]) -> None:
        story_id = record["id"]
        keys = self.keys_for(record["v"])
        self.story_keys[story_id] = keys
        for index_key in keys:
            self.postings.setdefault(index_key, set()).add(story_id)
        bisect.insort(self.timeline, (float(record["t1"]), key))

    def _remove_story(self, key: str, record: Mapping[str, Any]) -> None:
        story_id = record["id"]
        for index_key in self.story_keys.pop(story_id, ()):
            posting = self.postings.get(index_key)
            if posting is not None:
                posting.discard(story_id)
                if not posting:
                    del self.postings[index_key]
        self._untime(float(record["t1"]), key)

    def keys_for(self, vector: Mapping[str, float]) -> tuple[str, ...]:
        """The index keys of a story vector: its rarest heavy terms, main actors and places."""
        terms = top_keys(vector, self.config.index_terms, self.df, self.documents)
        actors = top_keys(vector, _STORY_ACTOR_KEYS, self.df, self.documents, prefixes=ACTOR)
        places = [key for key in vector if key[0] == PLACE]
        return tuple(dict.fromkeys([*terms, *actors, *places]))

    def candidates(self, query: Iterable[str], weights: Callable[[str], float]) -> list[str]:
        """Stories sharing the most weight (IDF) of the ``query`` keys (common keys skipped), best first."""
        hits: dict[str, float] = {}
        for key in query:
            posting = self.postings.get(key)
            if posting and len(posting) <= self.config.max_posting:
                weight = weights(key)
                for story_id in posting:
                    hits[story_id] = hits.get(story_id, 0.0) + weight
        ranked = heapq.nsmallest(self.config.max_candidates, hits.items(), key=lambda item: (-item[1], item[0]))
        return [story_id for story_id, _ in ranked]

    def near_copies(self, signature: tuple[int, ...]) -> list[str]:
        """Uris whose signatures LSH puts in a bucket with ``signature`` (to be checked exactly)."""
        if not signature or _empty(signature):
            return []
        return sorted(self.lsh.query(_sketch(signature, self.config.num_perm)))

    # -- time line -------------------------------------------------------------------------------
    def expired(self, before: float, limit: int) -> list[str]:
        """Keys of records older than ``before`` (oldest first, at most ``limit``)."""
        end = bisect.bisect_left(self.timeline, (before, ""))
        return [key for _, key in self.timeline[: min(end, limit)]]

    def _untime(self, when: float, key: str) -> None:
        at = bisect.bisect_left(self.timeline, (when, key))
        if at < len(self.timeline) and self.timeline[at] == (when, key):
            del self.timeline[at]


@lru_cache(maxsize=8)
def _lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's optimal (bands, rows) for the threshold; computed once (it integrates numerically)."""
    probe = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return probe.b, probe.r


def _sketch(signature: Iterable[int], num_perm: int) -> MinHash:
    values = np.asarray(list(signature), dtype=np.uint32)
    return MinHash(num_perm=num_perm, hashvalues=values, scheme=MINHASH_SCHEME)


def _empty(signature: Iterable[int]) -> bool:
    return all(int(v) >= _EMPTY_HASH for v in signature)

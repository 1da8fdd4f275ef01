"""The tunables of story tracking, with their defaults and what each one does."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CONFIG", "StoryConfig"]

_DAY = 86_400


@dataclass(frozen=True)
class StoryConfig:
    """Every knob of near-duplicate detection and story linking (times are seconds of event time).

    Defaults for the linking weights and ``link_threshold`` were tuned on ECB+ topics with odd ids
    (``wirewatch eval ecbplus``); the duplicate threshold on the edited-copy pairs of
    ``wirewatch eval duplicates``. ``streams/stories/README.md`` gives the figures.
    """

    # -- near-duplicates -----------------------------------------------------------------------
    #: an article is a copy only of an original at most this long before (or after) it
    duplicate_window_s: float = 3 * _DAY
    #: estimated Jaccard similarity of word shingles at or above which an article is a copy
    duplicate_threshold: float = 0.5
    #: MinHash permutations (the ``TextFeatures.minhash`` length; changing it needs a rebuild)
    num_perm: int = 128
    #: words per shingle (shingles never cross a sentence boundary, so reordered sentences match)
    shingle_words: int = 3
    #: seed of the MinHash permutations (fixed, so features are the same in every process)
    minhash_seed: int = 1
    # -- terms ---------------------------------------------------------------------------------
    #: content terms kept per article (the most frequent)
    max_terms: int = 300
    #: terms kept per story centroid (the heaviest)
    max_story_terms: int = 400
    # -- story lifetime ------------------------------------------------------------------------
    #: a story with no article for this long is dormant: a new article can no longer join it
    quiet_period_s: float = 7 * _DAY
    #: articles and stories older than this (last seen) are evicted from the store and indexes
    retention_s: float = 30 * _DAY
    #: at most this many expired entries are evicted per article (keeps one article's cost bounded)
    eviction_batch: int = 64
    #: uris kept per story (the first one and the latest ones)
    max_story_articles: int = 500
    # -- linking -------------------------------------------------------------------------------
    #: a story's score must reach this for an article to join it; otherwise it opens a new story
    link_threshold: float = 0.2
    #: weight of actor (participant) features next to the terms in the story vector (0 = TF-IDF only)
    actor_weight: float = 1.0
    #: weight of place features (event locations, countries)
    place_weight: float = 0.5
    #: weight of date features (years and months named in the text, event dates)
    date_weight: float = 0.5
    #: weight of event-type features (PLOVER kinds other than STATEMENT)
    kind_weight: float = 0.3
    #: score taken off when both sides name main people and they share none
    participant_conflict_penalty: float = 0.05
    #: score taken off when both sides name years and they share none
    date_conflict_penalty: float = 0.1
    #: terms of an article used to look up candidate stories (the highest TF-IDF ones)
    query_terms: int = 20
    #: terms of a story it is indexed under
    index_terms: int = 40
    #: a term (or participant) indexed under more stories than this is too common to retrieve by
    max_posting: int = 1_000
    #: candidate stories scored per article (those sharing the most index keys)
    max_candidates: int = 25
    #: use actors, places and dates at all (False = the TF-IDF-only baseline)
    use_entities: bool = True


#: the defaults, as one shared (frozen) object
DEFAULT_CONFIG = StoryConfig()

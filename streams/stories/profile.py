"""An article as story linking sees it, a story's running profile, and the score between the two.

One sparse vector holds everything linking compares, each kind of feature under its own prefix:
content terms as they are, ``@<actor id>`` (every actor, weighted by how often and where it is
named), ``#<place id>`` (event locations), ``~<date>`` (years and months the text names, event
dates) and ``!<kind>`` (PLOVER event types). A story's vector is the sum of its articles' vectors.
Scoring weighs each prefix (:class:`StoryConfig` ``*_weight``) and every key by its IDF, takes the
cosine, and subtracts penalties when the two name different main people or different years: the
features that tell two look-alike stories (same kind of event, other people, place or time) apart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas import EnrichedArticle, Event
from streams.stories.config import StoryConfig
from streams.stories.features import TextFeatures

__all__ = [
    "ACTOR",
    "DATE",
    "KIND",
    "PLACE",
    "ArticleProfile",
    "KeyWeights",
    "article_profile",
    "idf",
    "score",
    "top_keys",
    "years",
]

ACTOR, PLACE, DATE, KIND = "@", "#", "~", "!"
_PARTICIPANT_TYPES = frozenset({"person", "organization", "country", "group"})


@dataclass(frozen=True)
class ArticleProfile:
    """What linking and the updates need from one enriched article version."""

    vector: dict[str, float]
    #: person ids named at least twice, most named first (at most two): who the article is about
    main_people: tuple[str, ...]
    #: id -> name of the genuine participants: event actors and recipients, statement speakers,
    #: actors named in the headline
    participants: dict[str, str]
    #: id -> role title of a participant, when the article gives one
    roles: dict[str, str]
    #: id -> name of event locations
    places: dict[str, str]
    #: event dates (ISO, as the events stage resolved them)
    dates: tuple[str, ...]
    #: PLOVER types of the article's events (not negated), the main one first (:func:`_by_salience`)
    kinds: tuple[str, ...]
    #: the most advanced status the events of the main kind report, or None
    status: str | None
    #: names of the main event's actors, recipients (for the new-story line)
    event_actors: tuple[str, ...] = field(default=())
    event_recipients: tuple[str, ...] = field(default=())


#: how far along a status is; a story's status only moves forward (or from hedged/planned to any)
STATUS_RANK = {"hedged": 0, "planned": 0, "ongoing": 1, "concluded": 2, "cancelled": 2}


def article_profile(enriched: EnrichedArticle, features: TextFeatures, config: StoryConfig) -> ArticleProfile:
    """Build the :class:`ArticleProfile` of ``enriched`` with its text ``features``."""
    vector: dict[str, float] = {term: round(1.0 + math.log(count), 3) for term, count in features.terms.items()
                                if count > 0}
    names = {actor.id: actor.name for actor in enriched.actors}
    headline_end = len(enriched.headline)
    people: list[tuple[int, str]] = []
    in_headline: set[str] = set()
    for actor in enriched.actors:
        mentions = len(actor.mentions)
        headline = any(start < headline_end for start, _ in actor.mentions)
        if headline:
            in_headline.add(actor.id)
        if config.use_entities and mentions:
            vector[ACTOR + actor.id] = round(1.0 + math.log(mentions) + (1.0 if headline else 0.0), 3)
        if actor.type == "person" and mentions >= 2:
            people.append((-mentions, actor.id))
    events = [event for event in enriched.events if not event.negated]
    places = {e.location.id: e.location.name for e in events if e.location is not None}
    event_dates = tuple(dict.fromkeys(e.date for e in events if e.date))
    kinds = _by_salience(events, len(enriched.headline))
    if config.use_entities:
        vector.update({PLACE + place: 1.0 for place in places})
        for date in set(features.dates) | {d[:7] for d in event_dates} | {d[:4] for d in event_dates}:
            vector[DATE + date] = 1.0
        vector.update({KIND + kind: 1.0 for kind in kinds if kind != "STATEMENT"})
    participants = _participants(enriched, names, in_headline)
    roles = {actor.id: actor.roles[0].title for actor in enriched.actors
             if actor.id in participants and actor.roles and not actor.roles[0].former}
    main_events = [e for e in events if kinds and e.type == kinds[0]]
    main = max(main_events, key=lambda e: (bool(e.actors) + bool(e.recipients), e.confidence), default=None)
    return ArticleProfile(
        vector=vector,
        main_people=tuple(actor_id for _, actor_id in sorted(people)[:2]) if config.use_entities else (),
        participants=participants, roles=roles, places=places, dates=event_dates, kinds=kinds,
        status=_status(main_events),
        event_actors=tuple(names.get(a, a) for a in main.actors) if main else (),
        event_recipients=tuple(names.get(r, r) for r in main.recipients) if main else (),
    )


def _participants(enriched: EnrichedArticle, names: Mapping[str, str], in_headline: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for event in enriched.events:
        if event.negated:
            continue
        for actor_id in (*event.actors, *event.recipients):
            found.setdefault(actor_id, names.get(actor_id, actor_id))
    for statement in enriched.statements:
        if statement.speaker is not None:
            found.setdefault(statement.speaker.id, statement.speaker.name)
    for actor in enriched.actors:
        if actor.id in in_headline and actor.type in _PARTICIPANT_TYPES:
            found.setdefault(actor.id, actor.name)
    return found


def _by_salience(events: list[Event], headline_end: int) -> tuple[str, ...]:
    """Event types, most salient first: summed confidence, triple for a trigger in the headline.

    STATEMENT comes last: an article quoting people is mainly about what they discuss.
    """
    score: dict[str, float] = {}
    for event in events:
        in_headline = bool(event.mentions) and event.mentions[0][0] < headline_end
        score[event.type] = score.get(event.type, 0.0) + event.confidence * (3.0 if in_headline else 1.0)
    return tuple(sorted(score, key=lambda kind: (kind == "STATEMENT", -score[kind], kind)))


def _status(events: Iterable[object]) -> str | None:
    best: str | None = None
    for event in events:
        status = getattr(event, "status", None)
        if status is not None and (best is None or STATUS_RANK[status] > STATUS_RANK[best]):
            best = status
    return best


def idf(document_frequency: int, documents: int) -> float:
    """Smoothed inverse document frequency (as scikit-learn's ``smooth_idf``)."""
    return math.log((documents + 1) / (document_frequency + 1)) + 1.0


def _weight(key: str, config: StoryConfig) -> float:
    prefix = key[0]
    if prefix == ACTOR:
        return config.actor_weight
    if prefix == PLACE:
        return config.place_weight
    if prefix == DATE:
        return config.date_weight
    if prefix == KIND:
        return config.kind_weight
    return 1.0


class KeyWeights:
    """Each key's weight (prefix weight x IDF) for one arriving article, computed once per key."""

    def __init__(self, df: Mapping[str, int], documents: int, config: StoryConfig,
                 counted: Mapping[str, float] | None = None) -> None:
        self._df, self._documents, self._config = df, documents, config
        self._counted = counted or {}
        self._cache: dict[str, float] = {}

    def __call__(self, key: str) -> float:
        weight = self._cache.get(key)
        if weight is None:
            frequency = self._df.get(key, 0) + (1 if key in self._counted else 0)
            weight = _weight(key, self._config) * idf(frequency, self._documents)
            self._cache[key] = weight
        return weight


def score(article: Mapping[str, float], article_people: Iterable[str], story: Mapping[str, float],
          story_people: Iterable[str], weights: KeyWeights, config: StoryConfig) -> float:
    """How well an article's vector fits a story's: weighted TF-IDF cosine minus conflict penalties."""
    dot = norm_a = 0.0
    for key, value in article.items():
        w = weights(key)
        norm_a += (value * w) ** 2
        other = story.get(key)
        if other:
            dot += value * other * w * w
    if not dot:
        return 0.0
    norm_s = sum((value * weights(key)) ** 2 for key, value in story.items())
    cosine = dot / math.sqrt(norm_a * norm_s)
    return cosine - _penalties(article, article_people, story, story_people, config)


def _penalties(article: Mapping[str, float], article_people: Iterable[str], story: Mapping[str, float],
               story_people: Iterable[str], config: StoryConfig) -> float:
    penalty = 0.0
    mine, theirs = list(article_people), list(story_people)
    if mine and theirs:
        # each main person of one side the other side never names counts against the fit
        missing = sum(ACTOR + p not in story for p in mine) / len(mine)
        missing += sum(ACTOR + p not in article for p in theirs) / len(theirs)
        penalty += config.participant_conflict_penalty * missing / 2
    article_years, story_years = years(article), years(story)
    if article_years and story_years and not article_years & story_years:
        penalty += config.date_conflict_penalty
    return penalty


def years(vector: Mapping[str, float]) -> set[str]:
    """The years a vector names (its ``~YYYY`` keys)."""
    return {key[1:] for key in vector if key[0] == DATE and len(key) == 5}


def top_keys(vector: Mapping[str, float], limit: int, df: Mapping[str, int], documents: int,
             prefixes: str = "") -> list[str]:
    """The ``limit`` keys of ``vector`` with the highest TF-IDF (terms only, or the given prefixes)."""
    chosen = [(-(value * idf(df.get(key, 0), documents)), key) for key, value in vector.items()
              if (key[0] in prefixes if prefixes else key[0] not in (ACTOR, PLACE, DATE, KIND))]
    return [key for _, key in sorted(chosen)[:limit]]

"""Story tracking: each article is a near-duplicate, a new version, a new story, or joins an open one.

:class:`StoryTracker` is pure: its state is the ``store`` it is given (a dict offline, a Faust table
in the worker) plus in-memory indexes rebuilt from it. :meth:`StoryTracker.observe` decides what an
article does and returns it as an :class:`Observation` (the event updates to publish and the store
writes) without changing anything; :meth:`StoryTracker.apply` then writes it. The worker publishes
first and applies second, so a crash in between replays the article, and the replay is recognised
(same ``uri``, same content hash: ``applied_before``) and publishes nothing twice.

Every window is in event time (``published``, else ``ingested_at``) relative to the arriving
article, so an offline replay of the same articles gives the same stories, ids and updates.

Store keys (values are JSON-able dicts)::

    article:<uri>   {uri, hash, mh, t, story, dup, v?, people?}      one per article version seen
    story:<id>      {id, title, participants, places, dates, kinds, status, t0, t1,
                     articles, statements, sk, v, people, n}
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas import EnrichedArticle
from schemas._base import ActorRef
from schemas.event_update import Change, EventUpdate, Story
from streams.stories import summary as wording
from streams.stories.config import DEFAULT_CONFIG, StoryConfig
from streams.stories.features import TextFeatures, estimated_jaccard
from streams.stories.index import ARTICLE, STORY, StoryIndex
from streams.stories.profile import (
    ACTOR,
    DATE,
    KIND,
    PLACE,
    STATUS_RANK,
    ArticleProfile,
    KeyWeights,
    article_profile,
    score,
    top_keys,
)

__all__ = ["Observation", "StoryConfig", "StoryTracker", "event_time", "story_id_for", "update_id"]

_MAX_STORY_ENTITY_KEYS = 120
_MAX_STORY_STATEMENTS = 500
_EXCERPT = 200


@dataclass(frozen=True)
class Observation:
    """What one article does to the tracked stories; nothing is changed until :meth:`StoryTracker.apply`."""

    uri: str
    #: the story this article mainly reports
    story_id: str | None
    #: every story id it touched
    stories: list[str]
    #: the earliest original this article is a near-duplicate of
    duplicate_of: str | None
    #: the event updates to publish (empty for a duplicate and for a replay)
    updates: list[EventUpdate]
    #: store key -> new JSON-able value, or None to delete
    writes: dict[str, Any] = field(default_factory=dict)
    #: the same uri with the same content hash was already applied: a replay, nothing to do
    applied_before: bool = False


def event_time(enriched: EnrichedArticle) -> datetime:
    """The article's event time: when it was published, else when it was ingested."""
    return enriched.published or enriched.ingested_at


def story_id_for(uri: str) -> str:
    """The id of the story an article opens: from its uri, so replays open the same story."""
    return "st-" + hashlib.sha256(uri.encode("utf-8")).hexdigest()[:16]


def update_id(story_id: str, change: str, article_uri: str, what: str = "") -> str:
    """The deterministic id of an event update (subscribers deduplicate on it)."""
    raw = "\x1f".join((story_id, change, article_uri, what))
    return "up-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


class StoryTracker:
    """Near-duplicates and tracked stories over a store of JSON-able records (see the module docstring)."""

    def __init__(self, store: MutableMapping[str, Any], config: StoryConfig = DEFAULT_CONFIG) -> None:
        self.store = store
        self.config = config
        self.index = StoryIndex(config)
        self.index.load((key, store[key]) for key in list(store) if key.startswith((ARTICLE, STORY)))

    # -- deciding ------------------------------------------------------------------------------
    def observe(self, enriched: EnrichedArticle, features: TextFeatures) -> Observation:
        """Decide what ``enriched`` does (duplicate, new version, join or open a story); read-only."""
        uri = enriched.uri
        when = event_time(enriched).timestamp()
        article_key = ARTICLE + uri
        previous = self.store.get(article_key)
        if previous is not None and previous["hash"] == features.content_hash:
            story = previous.get("story")
            return Observation(uri, story, [story] if story else [], previous.get("dup"), [], {}, True)
        writes: dict[str, Any] = {}
        if previous is None:
            copy = self._original_of(uri, features, when)
            if copy is not None:
                original, story = copy
                writes[article_key] = {"uri": uri, "hash": features.content_hash, "mh": list(features.minhash),
                                       "t": when, "story": story, "dup": original}
                self._evict(writes, when)
                return Observation(uri, story, [story] if story else [], original, [], writes)
        profile = article_profile(enriched, features, self.config)
        story = self._previous_story(previous) if previous is not None else None
        if story is None:
            story = self._best_story(profile, when)
        if story is None:
            record, updates = self._open_story(enriched, profile, when)
        else:
            record, updates = self._join_story(story, previous, enriched, profile, when)
        writes[article_key] = {"uri": uri, "hash": features.content_hash, "mh": list(features.minhash),
                               "t": when, "story": record["id"], "dup": None, "v": profile.vector,
                               "people": _people_weights(enriched)}
        writes[STORY + record["id"]] = record
        self._evict(writes, when)
        return Observation(uri, record["id"], [record["id"]], None, updates, writes)

    def _original_of(self, uri: str, features: TextFeatures, when: float) -> tuple[str, str | None] | None:
        """``(earliest original uri, its story)`` when the article is a near-copy of one in the window."""
        best: tuple[float, float, str, Mapping[str, Any]] | None = None
        for candidate in self.index.near_copies(features.minhash):
            if candidate == uri:
                continue
            record = self.store.get(ARTICLE + candidate)
            if record is None or abs(when - float(record["t"])) > self.config.duplicate_window_s:
                continue
            similarity = estimated_jaccard(features.minhash, record["mh"])
            if similarity < self.config.duplicate_threshold:
                continue
            rank = (-similarity, float(record["t"]), candidate, record)
            if best is None or rank[:3] < best[:3]:
                best = rank
        if best is None:
            return None
        record = best[3]
        return record.get("dup") or record["uri"], record.get("story")

    def _previous_story(self, previous: Mapping[str, Any]) -> dict[str, Any] | None:
        story_id = previous.get("story")
        return self.store.get(STORY + story_id) if story_id else None

    def _best_story(self, profile: ArticleProfile, when: float) -> dict[str, Any] | None:
        """The open story the article fits best, when it fits well enough."""
        index, config = self.index, self.config
        query = [*top_keys(profile.vector, config.query_terms, index.df, index.documents),
                 *(key for key in profile.vector if key[0] in (ACTOR, PLACE))]
        weights = KeyWeights(index.df, index.documents + 1, config, counted=profile.vector)
        best: tuple[float, str, dict[str, Any]] | None = None
        for story_id in index.candidates(query, weights):
            record = self.store.get(STORY + story_id)
            if record is None or not self._open(record, when):
                continue
            people = [p for p, _ in sorted(record["people"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
            fit = score(profile.vector, profile.main_people, record["v"], people, weights, config)
            if fit >= config.link_threshold and (best is None or (-fit, story_id) < (-best[0], best[1])):
                best = (fit, story_id, record)
        return best[2] if best else None

    def _open(self, record: Mapping[str, Any], when: float) -> bool:
        quiet = self.config.quiet_period_s
        return float(record["t0"]) - quiet <= when <= float(record["t1"]) + quiet

    def _evict(self, writes: dict[str, Any], when: float) -> None:
        for key in self.index.expired(when - self.config.retention_s, self.config.eviction_batch):
            writes.setdefault(key, None)

    # -- stories ---------------------------------------------------------------------------------
    def _open_story(self, enriched: EnrichedArticle, profile: ArticleProfile,
                    when: float) -> tuple[dict[str, Any], list[EventUpdate]]:
        story_id = story_id_for(enriched.uri)
        record: dict[str, Any] = {
            "id": story_id, "title": enriched.headline.strip() or _first_line(enriched), "participants": {},
            "places": {}, "dates": [], "kinds": {}, "status": None, "t0": when, "t1": when, "articles": [],
            "statements": [], "sk": [], "v": {}, "people": {}, "n": 0,
        }
        _merge(record, enriched, profile, when, self.config)
        story = self._story(record, when)
        line = wording.new_story_summary(story.kind, profile.event_actors, profile.event_recipients,
                                         [p.name for p in story.places], record["title"])
        update = self._update(story_id, "new_story", enriched, None, story.model_dump(mode="json"), "", line)
        return record, [update]

    def _join_story(self, story: Mapping[str, Any], previous: Mapping[str, Any] | None, enriched: EnrichedArticle,
                    profile: ArticleProfile, when: float) -> tuple[dict[str, Any], list[EventUpdate]]:
        record = _copy(story)
        if previous is not None and previous.get("v") and previous.get("story") == record["id"]:
            _subtract(record, previous)
        before = _copy(record)
        _merge(record, enriched, profile, when, self.config)
        return record, self._changes(before, record, enriched, profile)

    def _changes(self, before: Mapping[str, Any], after: Mapping[str, Any], enriched: EnrichedArticle,
                 profile: ArticleProfile) -> list[EventUpdate]:
        story_id = after["id"]
        label = wording.story_label(_kind(after), list(after["places"].values()), after["title"])
        updates: list[EventUpdate] = []
        for actor_id, name in after["participants"].items():
            if actor_id not in before["participants"]:
                line = wording.participant_summary(name, label, profile.roles.get(actor_id))
                updates.append(self._update(story_id, "new_participant", enriched, None,
                                            {"id": actor_id, "name": name}, actor_id, line))
        if after["status"] != before["status"]:
            line = wording.status_summary(label, after["status"])
            updates.append(self._update(story_id, "status_change", enriched, before["status"] or "active",
                                        after["status"], after["status"], line))
        for place_id, name in after["places"].items():
            if place_id not in before["places"]:
                updates.append(self._update(story_id, "new_detail", enriched, None,
                                            {"place": {"id": place_id, "name": name}}, "place:" + place_id,
                                            wording.detail_summary(label, "place", name)))
        for date in after["dates"]:
            if date not in before["dates"]:
                updates.append(self._update(story_id, "new_detail", enriched, None, {"date": date},
                                            "date:" + date, wording.detail_summary(label, "date", date)))
        for kind in profile.kinds[:1]:  # what the article is mainly about, not every event it mentions
            if kind not in before["kinds"] and kind != "STATEMENT":
                updates.append(self._update(story_id, "new_detail", enriched, _kind(before), {"kind": kind},
                                            "kind:" + kind, wording.detail_summary(label, "kind", kind)))
        known = set(before["statements"])
        for statement in enriched.statements:
            if statement.speaker is None or statement.id in known or statement.id not in after["statements"]:
                continue
            excerpt = statement.content.strip()[:_EXCERPT]
            speaker = {"id": statement.speaker.id, "name": statement.speaker.name}
            updates.append(self._update(story_id, "new_statement", enriched, None,
                                        {"id": statement.id, "speaker": speaker, "content": excerpt},
                                        statement.id, wording.statement_summary(statement.speaker.name, excerpt)))
        return updates

    def _update(self, story_id: str, change: Change, enriched: EnrichedArticle, before: Any, after: Any, what: str,
                line: str) -> EventUpdate:
        return EventUpdate(id=update_id(story_id, change, enriched.uri, what), story_id=story_id,
                           change=change,
                           before=before, after=after, article_uri=enriched.uri, created_at=event_time(enriched),
                           summary=line)

    # -- writing ---------------------------------------------------------------------------------
    def apply(self, observation: Observation) -> None:
        """Write ``observation.writes`` into the store and bring the indexes up to date."""
        for key, value in observation.writes.items():
            old = self.store.get(key)
            if old is not None:
                self.index.remove(key, old)
            if value is None:
                if old is not None:
                    del self.store[key]
                continue
            self.store[key] = value
            self.index.add(key, value)

    # -- reading ---------------------------------------------------------------------------------
    def stories(self, since: datetime | None = None, limit: int | None = None) -> list[Story]:
        """The tracked stories, newest ``last_seen`` first (``since``: last seen at or after it)."""
        records = [self.store[key] for key in list(self.store) if key.startswith(STORY)]
        if since is not None:
            records = [r for r in records if float(r["t1"]) >= since.timestamp()]
        records.sort(key=lambda r: (-float(r["t1"]), r["id"]))
        clock = self.index.clock
        return [self._story(r, clock) for r in records[:limit]]

    def _story(self, record: Mapping[str, Any], clock: float) -> Story:
        dormant = clock - float(record["t1"]) > self.config.quiet_period_s
        return Story(
            id=record["id"], title=record["title"], kind=_kind(record),
            participants=[ActorRef(id=i, name=n) for i, n in record["participants"].items()],
            places=[ActorRef(id=i, name=n) for i, n in record["places"].items()],
            first_seen=_datetime(record["t0"]), last_seen=_datetime(record["t1"]),
            status="dormant" if dormant else (record["status"] or "active"),
            articles=list(record["articles"]), statements=list(record["statements"]),
        )


def _merge(record: dict[str, Any], enriched: EnrichedArticle, profile: ArticleProfile, when: float,
           config: StoryConfig) -> None:
    """Add one article version to a story record (in place)."""
    record["t0"], record["t1"] = min(float(record["t0"]), when), max(float(record["t1"]), when)
    if enriched.uri not in record["articles"]:
        record["articles"] = _capped([*record["articles"], enriched.uri], config.max_story_articles)
    for actor_id, name in profile.participants.items():
        record["participants"].setdefault(actor_id, name)
    for place_id, name in profile.places.items():
        record["places"].setdefault(place_id, name)
    record["dates"] = [*record["dates"], *(d for d in profile.dates if d not in record["dates"])]
    for rank, kind in enumerate(profile.kinds):  # the article's main kind counts double
        record["kinds"][kind] = record["kinds"].get(kind, 0) + (2 if rank == 0 else 1)
    status = profile.status
    if status is not None and status != record["status"] and (
            record["status"] is None or STATUS_RANK[status] >= STATUS_RANK[record["status"]]):
        record["status"] = status
    seen_content = set(record["sk"])
    for statement in enriched.statements:
        content_key = _statement_key(statement.speaker.id if statement.speaker else "", statement.content)
        if statement.speaker is None or statement.id in record["statements"] or content_key in seen_content:
            continue
        seen_content.add(content_key)
        record["statements"] = [*record["statements"], statement.id][-_MAX_STORY_STATEMENTS:]
        record["sk"] = [*record["sk"], content_key][-_MAX_STORY_STATEMENTS:]
    vector = dict(record["v"])
    for key, value in profile.vector.items():
        vector[key] = round(vector.get(key, 0.0) + value, 3)
    record["v"] = _cap_vector(vector, config.max_story_terms)
    people = dict(record["people"])
    for person, weight in _people_weights(enriched).items():
        people[person] = round(people.get(person, 0.0) + weight, 3)
    record["people"] = dict(sorted(people.items(), key=lambda kv: (-kv[1], kv[0]))[:20])
    record["n"] = int(record["n"]) + 1


def _subtract(record: dict[str, Any], previous: Mapping[str, Any]) -> None:
    """Take an article's earlier version out of a story's vector (its new version is merged next)."""
    vector = dict(record["v"])
    for key, value in previous["v"].items():
        left = round(vector.get(key, 0.0) - value, 3)
        if left > 0:
            vector[key] = left
        else:
            vector.pop(key, None)
    record["v"] = vector
    people = dict(record["people"])
    for person, weight in (previous.get("people") or {}).items():
        left = round(people.get(person, 0.0) - weight, 3)
        if left > 0:
            people[person] = left
        else:
            people.pop(person, None)
    record["people"] = people
    record["n"] = max(0, int(record["n"]) - 1)


def _people_weights(enriched: EnrichedArticle) -> dict[str, float]:
    return {a.id: round(1.0 + math.log(len(a.mentions)), 3) for a in enriched.actors
            if a.type == "person" and len(a.mentions) >= 2}


def _cap_vector(vector: dict[str, float], max_terms: int) -> dict[str, float]:
    entity_prefixes = (ACTOR, PLACE, DATE, KIND)
    terms = [(k, v) for k, v in vector.items() if k[0] not in entity_prefixes]
    entities = [(k, v) for k, v in vector.items() if k[0] in entity_prefixes]
    if len(terms) > max_terms:
        terms = sorted(terms, key=lambda kv: (-kv[1], kv[0]))[:max_terms]
    if len(entities) > _MAX_STORY_ENTITY_KEYS:
        entities = sorted(entities, key=lambda kv: (-kv[1], kv[0]))[:_MAX_STORY_ENTITY_KEYS]
    return dict(sorted(terms + entities))


def _capped(uris: list[str], limit: int) -> list[str]:
    return uris if len(uris) <= limit else [uris[0], *uris[len(uris) - limit + 1:]]


def _statement_key(speaker: str, content: str) -> str:
    text = " ".join(content.lower().split())
    return hashlib.sha256(f"{speaker}\x1f{text}".encode()).hexdigest()[:12]


def _kind(record: Mapping[str, Any]) -> str:
    kinds = {k: n for k, n in record["kinds"].items() if k != "STATEMENT"}
    if kinds:
        return sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    if "STATEMENT" in record["kinds"] or record["statements"]:
        return "STATEMENT"
    return "OTHER"


def _copy(record: Mapping[str, Any]) -> dict[str, Any]:
    copied = dict(record)
    for name in ("participants", "places", "kinds", "v", "people"):
        copied[name] = dict(record[name])
    for name in ("dates", "articles", "statements", "sk"):
        copied[name] = list(record[name])
    return copied


def _datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(float(timestamp), UTC)


def _first_line(enriched: EnrichedArticle) -> str:
    return enriched.uri

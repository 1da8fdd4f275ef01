"""Story tracking: near-duplicates, linking, updates, replays, versions, dormancy, eviction, determinism."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from schemas import EnrichedArticle
from schemas._base import ActorRef
from schemas.enriched import Actor, Event, Statement
from streams.stories.features import TextFeatures, text_features
from streams.stories.tracker import Observation, StoryConfig, StoryTracker

T0 = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)

MUSCAT = """Iran and the United States held indirect talks in Muscat on Saturday, with Omani mediators carrying messages between the two delegations over the nuclear programme.

Iranian Foreign Minister Abbas Araqchi said the talks were constructive and that a second round would follow. The American envoy Steve Witkoff led the United States delegation.

Oman's foreign minister Badr Albusaidi hosted both teams at a palace in Muscat. Diplomats said sanctions relief and enrichment limits were the main issues on the table.

The talks in Muscat were the first between Iran and the United States since the collapse of the earlier nuclear deal, and oil markets watched closely."""

MUSCAT_OTHER_OUTLET = """Negotiators from Tehran and Washington met in the Omani capital Muscat for a first round of indirect nuclear talks, officials in both countries confirmed.

Abbas Araqchi, Iran's top diplomat, described the atmosphere as constructive. Steve Witkoff represented Washington, and Badr Albusaidi shuttled between the rooms.

Another session is planned, diplomats said, as the sides weigh limits on uranium enrichment in exchange for lifting sanctions on Iran."""

GENEVA = """Russia and Ukraine held talks in Geneva on Saturday, with Swiss mediators carrying messages between the two delegations over a ceasefire.

Ukrainian Foreign Minister Andrii Sybiha said the talks were difficult and that a second round would follow. The Russian envoy Vladimir Medinsky led the Russian delegation.

Switzerland's foreign minister Ignazio Cassis hosted both teams at a villa in Geneva. Diplomats said prisoner exchanges and ceasefire lines were the main issues on the table."""


def _actor(actor_id: str, name: str, kind: str, text: str) -> Actor:
    spans = []
    start = text.find(name)
    while start >= 0:
        spans.append((start, start + len(name)))
        start = text.find(name, start + 1)
    return Actor(id=actor_id, name=name, type=kind, mentions=spans or [(0, 1)])  # type: ignore[arg-type]


PEOPLE = {
    "Iran": ("Q794", "country"), "United States": ("Q30", "country"), "Oman": ("Q842", "country"),
    "Abbas Araqchi": ("Q1", "person"), "Steve Witkoff": ("Q2", "person"), "Badr Albusaidi": ("Q3", "person"),
    "Russia": ("Q159", "country"), "Ukraine": ("Q212", "country"), "Switzerland": ("Q39", "country"),
    "Andrii Sybiha": ("Q4", "person"), "Vladimir Medinsky": ("Q5", "person"), "Ignazio Cassis": ("Q6", "person"),
    "Hakan Fidan": ("Q7", "person"), "Turkey": ("Q43", "country"),
}


@pytest.fixture
def article() -> Callable[..., tuple[EnrichedArticle, TextFeatures]]:
    """An enriched article (actors found by name in the text) with its text features."""

    def make(uri: str, body: str, headline: str = "Talks", at: datetime = T0, **fields: Any
             ) -> tuple[EnrichedArticle, TextFeatures]:
        text = f"{headline}\n\n{body}"
        actors = [_actor(i, name, kind, text) for name, (i, kind) in PEOPLE.items() if name in text]
        record = EnrichedArticle(uri=uri, headline=headline, published=at, extractor={}, ingested_at=at,
                                 processed_at=at, text_length=len(text), actors=actors, **fields)
        return record, text_features(headline, body, StoryConfig())

    return make


def _event(kind: str, actors: list[str], recipients: list[str], status: str | None = None,
           place: tuple[str, str] | None = None) -> Event:
    return Event(id=f"e-{kind}-{status}", type=kind, actors=actors, recipients=recipients,  # type: ignore[arg-type]
                 location=ActorRef(id=place[0], name=place[1]) if place else None, status=status,  # type: ignore[arg-type]
                 confidence=0.9, trigger="talks", mentions=[(0, 5)])


def _statement(sid: str, speaker: tuple[str, str], content: str) -> Statement:
    return Statement(id=sid, speaker=ActorRef(id=speaker[0], name=speaker[1]), content=content, kind="direct",
                     cue="said", span=(0, len(content)), confidence=0.9)


def _run(tracker: StoryTracker, pair: tuple[EnrichedArticle, TextFeatures]) -> Observation:
    observation = tracker.observe(*pair)
    tracker.apply(observation)
    return observation


def test_syndicated_copy_is_a_duplicate_of_the_original_and_makes_no_update(article: Any) -> None:
    tracker = StoryTracker({})
    original = _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    copy_body = "MUSCAT (Reuters) - " + MUSCAT + "\n\nReporting by Jane Doe; Editing by Tom Berg"
    copy = _run(tracker, article("urn:copy", copy_body, "UPDATE 1-Iran, US talk in Oman", T0 + timedelta(hours=2)))
    assert copy.duplicate_of == "urn:a"
    assert copy.story_id == original.story_id and copy.updates == []
    # a copy of the copy still resolves to the earliest original
    second = _run(tracker, article("urn:copy2", copy_body, "Iran, US talk", T0 + timedelta(hours=3)))
    assert second.duplicate_of == "urn:a"


def test_other_outlets_report_of_the_same_event_joins_the_story_without_being_a_duplicate(article: Any) -> None:
    tracker = StoryTracker({})
    first = _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    second = _run(tracker, article("urn:b", MUSCAT_OTHER_OUTLET, "Tehran, Washington negotiators meet in Oman",
                                   T0 + timedelta(hours=5)))
    assert second.duplicate_of is None
    assert second.story_id == first.story_id
    assert [u.change for u in first.updates] == ["new_story"]


def test_look_alike_story_with_other_participants_and_place_opens_a_new_story(article: Any) -> None:
    tracker = StoryTracker({})
    first = _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    other = _run(tracker, article("urn:g", GENEVA, "Russia and Ukraine hold talks in Geneva", T0 + timedelta(hours=1)))
    assert other.duplicate_of is None and other.story_id != first.story_id
    assert [u.change for u in other.updates] == ["new_story"]
    assert len(tracker.stories()) == 2


def test_new_speaker_is_a_new_participant_with_a_readable_summary(article: Any) -> None:
    tracker = StoryTracker({})
    _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    body = MUSCAT_OTHER_OUTLET + "\n\nTurkey's foreign minister Hakan Fidan said Turkey would join the next round."
    joined = _run(tracker, article("urn:b", body, "Turkey to join Muscat talks", T0 + timedelta(hours=3),
                                   statements=[_statement("s1", ("Q7", "Hakan Fidan"), "Turkey will join")]))
    participants = [u for u in joined.updates if u.change == "new_participant"]
    assert {u.after["id"] for u in participants} >= {"Q7"}
    assert any("Hakan Fidan joins" in u.summary for u in participants)
    statements = [u for u in joined.updates if u.change == "new_statement"]
    assert statements and statements[0].after["speaker"]["name"] == "Hakan Fidan"


def test_status_moves_from_planned_to_cancelled(article: Any) -> None:
    tracker = StoryTracker({})
    place = ("ww:place:muscat", "Muscat")
    _run(tracker, article("urn:a", MUSCAT, "Iran and US to hold talks in Muscat",
                          events=[_event("CONSULT", ["Q794"], ["Q30"], "planned", place)]))
    cancelled = _run(tracker, article("urn:b", MUSCAT_OTHER_OUTLET, "Muscat talks called off", T0 + timedelta(hours=6),
                                      events=[_event("CONSULT", ["Q794"], ["Q30"], "cancelled", place)]))
    change = [u for u in cancelled.updates if u.change == "status_change"]
    assert len(change) == 1 and (change[0].before, change[0].after) == ("planned", "cancelled")
    assert change[0].summary == "Talks in Muscat cancelled"
    assert tracker.stories()[0].status == "cancelled"


def test_replay_of_an_applied_article_is_recognised_and_publishes_nothing(article: Any) -> None:
    tracker = StoryTracker({})
    first = _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    replay = tracker.observe(*article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    assert replay.applied_before and replay.updates == [] and replay.writes == {}
    assert replay.story_id == first.story_id


def test_new_version_of_a_uri_rejoins_its_story_and_reports_only_what_is_new(article: Any) -> None:
    tracker = StoryTracker({})
    first = _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    body = MUSCAT + "\n\nTurkey's foreign minister Hakan Fidan said Turkey would send a delegation."
    version = _run(tracker, article("urn:a", body, "Iran and US hold talks in Muscat", T0 + timedelta(hours=1),
                                    statements=[_statement("s9", ("Q7", "Hakan Fidan"), "We will send a delegation")]))
    assert not version.applied_before and version.duplicate_of is None
    assert version.story_id == first.story_id
    assert {u.change for u in version.updates} == {"new_participant", "new_statement"}
    assert tracker.stories()[0].articles == ["urn:a"]


def test_story_goes_dormant_after_the_quiet_period_and_a_late_article_opens_a_new_one(article: Any) -> None:
    config = StoryConfig(quiet_period_s=86_400)
    tracker = StoryTracker({}, config)
    first = _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    late = _run(tracker, article("urn:b", MUSCAT_OTHER_OUTLET, "Negotiators meet in Oman", T0 + timedelta(days=3)))
    assert late.story_id != first.story_id
    statuses = {s.id: s.status for s in tracker.stories()}
    assert statuses[first.story_id] == "dormant" and statuses[late.story_id] == "active"


def test_eviction_keeps_the_store_bounded(article: Any) -> None:
    config = StoryConfig(retention_s=3_600, quiet_period_s=1_800, duplicate_window_s=600)
    store: dict[str, Any] = {}
    tracker = StoryTracker(store, config)
    for n in range(40):
        body = f"Item {n}: " + (MUSCAT if n % 2 else GENEVA) + f" Word{n} token{n * 7}."
        _run(tracker, article(f"urn:{n}", body, f"Story {n}", T0 + timedelta(hours=n)))
    # only what is younger than the retention (one hour before the last article) remains
    assert len(store) <= 4
    assert "article:urn:39" in store and "article:urn:0" not in store
    assert len(tracker.index.timeline) == len(store)


def test_observe_is_read_only(article: Any) -> None:
    store: dict[str, Any] = {}
    tracker = StoryTracker(store)
    _run(tracker, article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"))
    before = orjson.dumps(store, option=orjson.OPT_SORT_KEYS)
    postings = {k: set(v) for k, v in tracker.index.postings.items()}
    tracker.observe(*article("urn:b", MUSCAT_OTHER_OUTLET, "Negotiators meet", T0 + timedelta(hours=1)))
    assert orjson.dumps(store, option=orjson.OPT_SORT_KEYS) == before
    assert tracker.index.postings == postings and tracker.index.documents == 1


def test_same_input_gives_same_ids_in_fresh_trackers_and_after_a_rebuild(article: Any) -> None:
    inputs = [article("urn:a", MUSCAT, "Iran and US hold talks in Muscat"),
              article("urn:g", GENEVA, "Russia and Ukraine hold talks", T0 + timedelta(hours=1)),
              article("urn:b", MUSCAT_OTHER_OUTLET, "Negotiators meet", T0 + timedelta(hours=2))]
    runs = []
    for _ in range(2):
        tracker = StoryTracker({})
        runs.append([(o.story_id, [u.id for u in o.updates]) for o in (_run(tracker, pair) for pair in inputs)])
    assert runs[0] == runs[1]
    store: dict[str, Any] = {}
    live = StoryTracker(store)
    for pair in inputs[:2]:
        _run(live, pair)
    rebuilt = StoryTracker(orjson.loads(orjson.dumps(store)))
    assert rebuilt.observe(*inputs[2]) == live.observe(*inputs[2])


def test_text_features_round_trip_through_json() -> None:
    features = text_features("Talks in Muscat", MUSCAT, StoryConfig())
    again = TextFeatures.from_dict(orjson.loads(orjson.dumps(features.to_dict())))
    assert again == features
    assert len(features.minhash) == StoryConfig().num_perm and "muscat" in features.terms
    assert "said" not in features.terms and "on" not in features.terms


def test_boilerplate_and_reordered_sentences_keep_the_signature_close() -> None:
    from streams.stories.features import estimated_jaccard

    base = text_features("Talks", MUSCAT, StoryConfig())
    paragraphs = MUSCAT.split("\n\n")
    edited = "LONDON (Reuters) - " + "\n\n".join([paragraphs[0], paragraphs[2], paragraphs[1], paragraphs[3]])
    edited += "\n\nReporting by Jane Doe; Editing by Tom Berg"
    assert estimated_jaccard(base.minhash, text_features("Other", edited, StoryConfig()).minhash) > 0.9

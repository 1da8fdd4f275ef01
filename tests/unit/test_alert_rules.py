"""Alert rules of every finding kind, their validation, stance shifts and the alert gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas import ActorRef, EnrichedArticle, Stance, Statement
from schemas.enriched import Actor, Role
from schemas.errors import ConfigError
from schemas.event_update import EventUpdate
from streams.alerts.actors import role_matches
from streams.alerts.candidate import Candidate
from streams.alerts.gate import admit, decide, expired_keys
from streams.alerts.routed import (
    InvalidCandidateError,
    decode_routed,
    encode_candidate,
    encode_stance,
    pass_gate,
)
from streams.alerts.rule import AlertRule
from streams.alerts.rules import DEFAULT_ALERT_RULES_FILE, AlertRules
from streams.alerts.shifts import StanceObservation, expired_stance_keys, observe_stance
from streams.alerts.templates import render_title
from streams.topics.lexicon import Topic, TopicLexicon

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
LEXICON = TopicLexicon([
    Topic(id="peace-talks", name="peace talks", cues=["peace talks", "ceasefire negotiation*"]),
    Topic(id="sanctions", name="sanctions", cues=["sanction*"]),
])
ANA = ActorRef(id="Q1", name="Ana Silva")
BEN = ActorRef(id="Q2", name="Ben Okafor")
ACTORS = [
    Actor(id="Q1", name="Ana Silva", type="person", country="BRA", roles=[Role(title="Foreign Minister")]),
    Actor(id="Q2", name="Ben Okafor", type="person", country="NGA",
          roles=[Role(title="President", former=True), Role(title="Deputy Foreign Minister")]),
    Actor(id="Q3", name="Carla Ruiz", type="person", country="ESP", roles=[Role(title="Prime Minister")]),
]
CARLA = ActorRef(id="Q3", name="Carla Ruiz")
PEACE_TALKS = ActorRef(id="topic:peace-talks", name="peace talks")


def _rules(*rules: dict[str, Any]) -> AlertRules:
    return AlertRules([AlertRule.model_validate(r) for r in rules], LEXICON)


def _statement(content: str, speaker: ActorRef | None = ANA, sid: str = "s1", confidence: float = 0.9) -> Statement:
    return Statement(id=sid, speaker=speaker, content=content, kind="direct", cue="said", span=(10, 10 + len(content)),
                     confidence=confidence)


def _stance(holder: ActorRef, polarity: str, score: float, evidence: str | tuple[int, int] = (0, 10)) -> Stance:
    return Stance.model_validate({"holder": holder.model_dump(), "target": PEACE_TALKS.model_dump(),
                                  "target_kind": "topic", "polarity": polarity, "score": score, "evidence": evidence})


def _record(statements: list[Statement] = (), stances: list[Stance] = (), uri: str = "urn:a",  # type: ignore[assignment]
            published: datetime | None = NOW, **extra: Any) -> EnrichedArticle:
    return EnrichedArticle(uri=uri, headline="Talks resume", published=published, extractor={}, ingested_at=NOW,
                           processed_at=NOW, text_length=300, actors=ACTORS, statements=list(statements),
                           stances=list(stances), **extra)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


# -- loading and validation -------------------------------------------------------------------------
def test_shipped_rules_keep_the_two_statement_rules_and_nothing_else() -> None:
    rules = AlertRules.load(DEFAULT_ALERT_RULES_FILE, TopicLexicon.load())
    assert [(r.id, r.kind, r.topics) for r in rules.rules] == [
        ("peace-talk-statement", "statement", ["peace-talks"]), ("ceasefire-statement", "statement", ["ceasefire"])]


def test_first_rules_format_still_loads_as_a_statement_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "rules:\n  - id: old\n    type: statement.new\n    topics: [peace-talks]\n"
                            "    match: article\n    require_speaker: false\n")
    [rule] = AlertRules.load(path, LEXICON).rules
    assert (rule.kind, rule.topics, rule.match.scope, rule.match.require_speaker) == (
        "statement", ["peace-talks"], "article", False)


@pytest.mark.parametrize(("body", "error"), [
    ("  - id: r\n    match:\n      kind: tweet\n", r"rules\.yaml:2: rules\[0\]\.match\.kind"),
    ("  - id: r\n    match: {kind: statement, changes: [status_change]}\n",
     r"rules\.yaml:2: rules\[0\]\.match: .*'changes' does not apply to kind 'statement'"),
    ("  - id: r\n    match: {kind: event_update, roles: [president]}\n", r"rules\[0\]\.match: .*'roles' does not apply"),
    ("  - id: r\n    match: {kind: stance, countries: [Brazil]}\n", r"rules\[0\]\.match\.countries: .*alpha-3"),
    ("  - id: r\n    throttle_s: -1\n", r"rules\[0\]\.throttle_s"),
])
def test_invalid_rules_name_file_line_and_field(tmp_path: Path, body: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        AlertRules.load(_write(tmp_path, "rules:\n" + body), LEXICON)


def test_unknown_title_template_field_is_a_load_error_naming_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "rules:\n  - id: ok\n  - id: r\n    title: \"{speaker} said {quote_exerpt}\"\n")
    with pytest.raises(ConfigError, match=r"rules\.yaml:3: rules\[1\]\.title: .*unknown field \{quote_exerpt\}"):
        AlertRules.load(path, LEXICON)


@pytest.mark.parametrize("template", ["{speaker.name}", "{}", "{score:.2f}", "{speaker!r}", "{unclosed"])
def test_title_templates_take_plain_named_fields_only(template: str) -> None:
    with pytest.raises(ValueError, match="title"):
        AlertRule(id="r", title=template)


def test_unknown_topic_is_reported_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "rules:\n  - id: r\n    match:\n      kind: stance\n      topics:\n        - peace-talks\n"
                            "        - elections\n")
    with pytest.raises(ConfigError, match=r"rules\.yaml:7: rules\[0\]\.match\.topics: unknown topic 'elections'"):
        AlertRules.load(path, LEXICON)


def test_a_rule_id_used_twice_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rules\.yaml:3: rules\[1\]\.id: rule id 'r' is already used"):
        AlertRules.load(_write(tmp_path, "rules:\n  - id: r\n  - id: r\n"), LEXICON)


def test_a_field_the_finding_lacks_renders_as_a_dash() -> None:
    assert render_title("{speaker} ({role}): {quote_excerpt}", {"speaker": "Ana", "role": None}) == "Ana (-): -"


# -- statements -------------------------------------------------------------------------------------
STATEMENT_RULE = {"id": "peace", "match": {"kind": "statement", "topics": ["peace-talks"]},
                  "title": "New peace-talk statement: {speaker} ({role}): {quote_excerpt}"}


def test_statement_rule_title_template_fills_speaker_role_and_quote() -> None:
    [alert] = _rules(STATEMENT_RULE).evaluate(_record([_statement("\u201cThe peace talks must go on\u201d")]), NOW)
    assert alert.title == "New peace-talk statement: Ana Silva (Foreign Minister): The peace talks must go on"
    assert (alert.type, alert.finding, alert.topic) == ("statement.new", "statement", "peace-talks")


def test_statement_alert_id_survives_a_new_article_version_with_the_same_statement() -> None:
    rules = _rules(STATEMENT_RULE)
    first = rules.evaluate(_record([_statement("The peace talks must go on")], version="1"), NOW)
    second = rules.evaluate(_record([_statement(" The peace  talks must go on", sid="s9")], version="2"),
                            NOW + timedelta(hours=1))
    other_article = rules.evaluate(_record([_statement("The peace talks must go on")], uri="urn:b"), NOW)
    assert first[0].id == second[0].id != other_article[0].id


def test_a_duplicate_article_raises_nothing() -> None:
    rules = _rules(STATEMENT_RULE, {"id": "st", "match": {"kind": "stance"}},
                   {"id": "sh", "match": {"kind": "stance_shift"}})
    record = _record([_statement("The peace talks must go on")], [_stance(ANA, "positive", 0.8)],
                     duplicate_of="urn:original")
    assert rules.candidates(record, NOW) == [] and rules.stance_observations(record) == []


@pytest.mark.parametrize(("match", "speakers"), [
    ({"roles": ["foreign minister"]}, ["Ana Silva"]),  # the deputy does not count
    ({"roles": ["head of government"]}, ["Carla Ruiz"]),
    ({"roles": ["head of state"]}, []),  # Ben's presidency is a former role
    ({"roles": ["minister"]}, ["Ana Silva", "Carla Ruiz"]),
    ({"countries": ["nga", "ESP"]}, ["Ben Okafor", "Carla Ruiz"]),
    ({"actor_ids": ["Q2"]}, ["Ben Okafor"]),
    ({"actor_types": ["organization"]}, []),
    ({"min_confidence": 0.85}, ["Ana Silva", "Carla Ruiz"]),
])
def test_statement_actor_and_confidence_filters(match: dict[str, Any], speakers: list[str]) -> None:
    rules = _rules({"id": "r", "match": {"kind": "statement", "topics": ["peace-talks"], **match}})
    record = _record([_statement("Peace talks now", ANA, "a"), _statement("Peace talks now", BEN, "b", 0.8),
                      _statement("Peace talks now", CARLA, "c"), _statement("Peace talks now", None, "d")])
    assert [a.actors[0].name for a in rules.evaluate(record, NOW)] == speakers


@pytest.mark.parametrize(("title", "wanted", "matches"), [
    ("President", "head of state", True), ("Vice President", "head of state", False),
    ("Press Secretary to the President", "president", False), ("Emir", "Head of State", True),
    ("Brazilian Foreign Minister", "foreign minister", True), ("Secretary of State", "foreign minister", True),
    ("Deputy Foreign Minister", "foreign minister", False), ("Chancellor of the Exchequer", "head of government", False),
    ("Secretary-General", "secretary general", True),
])
def test_role_titles_and_aliases(title: str, wanted: str, matches: bool) -> None:
    assert role_matches(title, wanted) is matches


def test_a_rule_without_topics_takes_any_attributed_statement() -> None:
    rules = _rules({"id": "all", "match": {"kind": "statement", "actor_ids": ["Q1"]}})
    [alert] = rules.evaluate(_record([_statement("Prices fell"), _statement("Prices fell", BEN, "b")]), NOW)
    assert alert.topic is None and alert.title.startswith("Ana Silva on -:")


# -- stances ----------------------------------------------------------------------------------------
def test_stance_rule_filters_on_polarity_and_score_and_one_alert_per_identity() -> None:
    rules = _rules({"id": "neg", "match": {"kind": "stance", "topics": ["peace-talks"], "polarities": ["negative"],
                                           "min_score": 0.4}})
    record = _record(stances=[_stance(ANA, "negative", -0.6), _stance(ANA, "negative", -0.9, (20, 30)),
                              _stance(BEN, "negative", -0.2), _stance(CARLA, "positive", 0.9)])
    [candidate] = rules.candidates(record, NOW)
    assert (candidate.alert.type, candidate.alert.title, candidate.route) == (
        "stance.new", "Ana Silva negative on peace talks", "actor:Q1")


def test_stance_min_confidence_reads_the_statement_it_rests_on() -> None:
    rules = _rules({"id": "st", "match": {"kind": "stance", "min_confidence": 0.8}})
    record = _record([_statement("x", sid="weak", confidence=0.6)],
                     [_stance(ANA, "positive", 0.5, "weak"), _stance(BEN, "positive", 0.5, (1, 5))])
    assert [a.actors[0].id for a in rules.evaluate(record, NOW)] == ["Q2"]


# -- stance shifts ----------------------------------------------------------------------------------
def _obs(polarity: str, hours: float, uri: str, score: float = 0.7) -> StanceObservation:
    return StanceObservation(actor=ANA, topic="peace-talks", polarity=polarity,  # type: ignore[arg-type]
                             score=score if polarity == "positive" else -score, article_uri=uri,
                             evidence="s1", at=NOW + timedelta(hours=hours), roles=("Foreign Minister",),
                             country="BRA", actor_type="person", quote="We back the talks")


def _feed(store: dict[str, Any], *observations: StanceObservation) -> list[tuple[str, str]]:
    shifts = []
    for obs in observations:
        shift, writes = observe_stance(store, obs)
        store.update(writes)
        if shift is not None:
            shifts.append((shift.before, shift.observation.polarity))
    return shifts


def test_shift_only_between_positive_and_negative_and_neutral_does_not_reset() -> None:
    store: dict[str, Any] = {}
    assert _feed(store, _obs("positive", 0, "a"), _obs("neutral", 1, "b"), _obs("negative", 2, "c"),
                 _obs("negative", 3, "d"), _obs("neutral", 4, "e")) == [("positive", "negative")]


def test_an_older_observation_arriving_late_neither_shifts_nor_overwrites() -> None:
    store: dict[str, Any] = {}
    assert _feed(store, _obs("positive", 5, "new"), _obs("negative", 1, "old")) == []
    assert _feed(store, _obs("negative", 6, "newer")) == [("positive", "negative")]


def test_observe_stance_is_read_only_and_a_replay_of_the_same_article_does_not_shift() -> None:
    store: dict[str, Any] = {}
    _feed(store, _obs("positive", 0, "a"))
    snapshot = dict(store)
    shift, writes = observe_stance(store, _obs("negative", 1, "b"))
    assert shift is not None and store == snapshot and writes
    assert _feed(store, _obs("positive", 0, "a")) == []  # replay
    assert _feed(store, _obs("negative", 0, "a")) == []  # a new version of the same article


def test_stance_observation_round_trips_as_json() -> None:
    obs = _obs("negative", 1, "a")
    assert StanceObservation.from_dict(obs.to_dict()) == obs and obs.route == "actor:Q1"


def test_stance_observations_collapse_per_holder_and_topic_to_the_strongest() -> None:
    rules = _rules({"id": "sh", "match": {"kind": "stance_shift"}})
    record = _record([_statement("We back the talks")], [_stance(ANA, "neutral", 0.0), _stance(ANA, "positive", 0.3),
                                                          _stance(ANA, "positive", 0.6, "s1")])
    [obs] = rules.stance_observations(record)
    assert (obs.polarity, obs.score, obs.quote, obs.roles, obs.at) == ("positive", 0.6, "We back the talks",
                                                                       ("Foreign Minister",), NOW)
    assert _rules(STATEMENT_RULE).stance_observations(record) == []  # no shift rule, no observations


def test_shift_candidates_apply_filters_and_ids_are_deterministic() -> None:
    rules = _rules({"id": "sh", "match": {"kind": "stance_shift", "topics": ["peace-talks"],
                                          "roles": ["foreign minister"], "polarities": ["negative"]},
                    "title": "{actor} ({role}) turns {after} on {topic}, was {before}"},
                   {"id": "other-country", "match": {"kind": "stance_shift", "countries": ["USA"]}})
    store: dict[str, Any] = {}
    _feed(store, _obs("positive", 0, "a"))
    shift, _ = observe_stance(store, _obs("negative", 2, "b"))
    assert shift is not None
    [candidate] = rules.shift_candidates(shift, NOW)
    assert candidate.alert.title == "Ana Silva (Foreign Minister) turns negative on peace talks, was positive"
    assert candidate.alert.type == "stance.shift" and candidate.route == "actor:Q1"
    assert rules.shift_candidates(shift, NOW + timedelta(days=1))[0].alert.id == candidate.alert.id


# -- event updates ----------------------------------------------------------------------------------
def _update(change: str, after: Any, summary: str, before: Any = None, uri: str = "urn:a") -> EventUpdate:
    return EventUpdate(id=f"up-{change}-{uri}", story_id="st-1", change=change,  # type: ignore[arg-type]
                       before=before, after=after, article_uri=uri, created_at=NOW, summary=summary)


UPDATES = [
    _update("new_story", {"id": "st-1", "title": "Peace talks open in Geneva", "participants": [ANA.model_dump()]},
            "Peace talks open in Geneva"),
    _update("status_change", "cancelled", "Peace talks in Geneva cancelled", before="planned"),
    _update("status_change", "concluded", "Talks in Oslo concluded", before="ongoing"),
    _update("new_participant", BEN.model_dump(), "Ben Okafor joins talks in Geneva"),
]


def test_event_update_rules_match_change_kinds_statuses_topics_and_participants() -> None:
    rules = _rules(
        {"id": "cancelled", "match": {"kind": "event_update", "changes": ["status_change"], "statuses": ["cancelled"]},
         "severity": "critical", "title": "Cancelled: {summary} (was {before})"},
        {"id": "story", "match": {"kind": "new_story", "topics": ["peace-talks"]}},
        {"id": "ben", "match": {"kind": "event_update", "actor_ids": ["Q2"]}},
    )
    found = [c for u in UPDATES for c in rules.update_candidates(u, NOW)]
    assert [(c.alert.rule, c.alert.type, c.alert.title) for c in found] == [
        ("story", "story.new", "New story: Peace talks open in Geneva"),
        ("cancelled", "event.status_change", "Cancelled: Peace talks in Geneva cancelled (was planned)"),
        ("ben", "event.new_participant", "Ben Okafor joins talks in Geneva"),
    ]
    assert {c.route for c in found} == {"story:st-1"} and found[0].alert.story_id == "st-1"
    assert found[0].alert.actors == [ANA] and found[0].alert.topic == "peace-talks"


# -- the gate ---------------------------------------------------------------------------------------
def _candidate(alert_id: str, route: str = "actor:Q1", throttle_s: float = 0.0) -> Candidate:
    [alert] = _rules(STATEMENT_RULE).evaluate(_record([_statement("The peace talks must go on")]), NOW)
    return Candidate(alert.model_copy(update={"id": alert_id}), route, f"peace|{route}", throttle_s)


def test_gate_drops_a_published_id_within_retention_and_lets_it_through_after() -> None:
    store: dict[str, Any] = {}
    ok, writes = admit(store, _candidate("x"), NOW)
    assert ok and store == {}
    store.update(writes)
    assert decide(store, _candidate("x"), NOW + timedelta(days=6)).reason == "duplicate"
    assert admit(store, _candidate("x"), NOW + timedelta(days=8))[0]


def test_gate_throttles_per_rule_and_route_within_the_window() -> None:
    store: dict[str, Any] = {}
    store.update(admit(store, _candidate("a", throttle_s=3600), NOW)[1])
    assert decide(store, _candidate("b", throttle_s=3600), NOW + timedelta(minutes=30)).reason == "throttled"
    assert admit(store, _candidate("c", route="actor:Q2", throttle_s=3600), NOW + timedelta(minutes=30))[0]
    assert admit(store, _candidate("d", throttle_s=3600), NOW + timedelta(minutes=61))[0]


def test_expired_gate_and_stance_entries_are_listed_for_eviction() -> None:
    store: dict[str, Any] = {}
    store.update(admit(store, _candidate("old", throttle_s=60), NOW)[1])
    store.update(admit(store, _candidate("new", route="actor:Q2", throttle_s=86400), NOW + timedelta(days=7))[1])
    store.update(observe_stance(store, _obs("positive", 0, "a"))[1])
    later = NOW + timedelta(days=7, seconds=1)
    assert sorted(expired_keys(store, later)) == ["published:old", "throttle:peace|actor:Q1"]
    assert expired_stance_keys(store, later, retention_s=86400) == ["stance:Q1|peace-talks"]


def test_candidate_round_trips_as_json() -> None:
    candidate = _candidate("x", throttle_s=5)
    assert Candidate.from_dict(candidate.to_dict()) == candidate


# -- one routed record through the gate (what the gate agent runs) -----------------------------------
def test_pass_gate_publishes_once_and_throttles_a_second_candidate_of_the_same_record() -> None:
    store: dict[str, Any] = {}
    outcome = pass_gate(store, _candidate("a", throttle_s=60), _rules(STATEMENT_RULE), NOW)
    assert [c.alert.id for c in outcome.published] == ["a"] and store == {}  # read-only: writes are returned
    store.update(outcome.writes)
    again = pass_gate(store, decode_routed(encode_candidate(_candidate("a", throttle_s=60))), _rules(), NOW)
    assert again.published == [] and [r for _, r in again.dropped] == ["duplicate"]


def test_pass_gate_turns_a_polarity_change_into_a_shift_alert_exactly_once() -> None:
    rules = _rules({"id": "sh", "match": {"kind": "stance_shift"}})
    store: dict[str, Any] = {}
    for obs in (_obs("positive", 0, "a"), _obs("negative", 2, "b")):
        outcome = pass_gate(store, decode_routed(encode_stance(obs)), rules, NOW)
        store.update(outcome.writes)
    assert [c.alert.type for c in outcome.published] == ["stance.shift"]
    replay = pass_gate(store, _obs("negative", 2, "b"), rules, NOW)  # the same article again: no shift
    assert replay.published == [] and replay.dropped == []


def test_a_candidates_record_that_is_neither_kind_is_an_input_error() -> None:
    with pytest.raises(InvalidCandidateError):
        decode_routed(b'{"something": 1}')
    with pytest.raises(InvalidCandidateError):
        decode_routed(b"not json")

"""Alert rules: which findings a subscriber is told about, as alert candidates for the gate.

Rules live in a YAML file (``streams/data/alert_rules.yaml``; ``WIREWATCH_RULES_FILE``), one
:class:`~streams.alerts.rule.AlertRule` each, validated at load with errors naming file, line and
field (including unknown topics and unknown title template fields). A rule fires on one finding kind:

- ``statement`` (``statement.new``): an attributed statement on one of the rule's topics: its
  content has a topic cue, or a stance toward the topic cites it; with ``scope: article`` any
  statement in an article about the topic.
- ``stance`` (``stance.new``): a stance of an actor toward a topic (or, with no topics, anything).
- ``stance_shift`` (``stance.shift``): an actor's stance on a topic turned from positive to negative
  or back (:mod:`streams.alerts.shifts` keeps the memory; :meth:`AlertRules.stance_observations`
  feeds it).
- ``event_update`` (``event.<change>``, e.g. ``event.status_change``) and ``new_story``
  (``story.new``): an update the story tracker published.

Alert ids are deterministic: a hash of the rule, the finding's identity and the article uri, where
the identity survives a redelivery and a new version of the article (statement: speaker and
normalised content, the same ids as the first rules format; stance: holder, target, polarity; shift:
actor, topic, new polarity; update: the event update's id). A near-duplicate article (``duplicate_of``)
raises nothing. Dedupe of republished ids and throttling are the gate's (:mod:`streams.alerts.gate`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from schemas import Alert, AlertEvidence, EnrichedArticle, Stance, Statement
from schemas._base import ActorRef
from schemas.errors import ConfigError
from schemas.event_update import EventUpdate
from streams.alerts.actors import ActorFacts, actor_matches
from streams.alerts.candidate import Candidate, actor_route, story_route
from streams.alerts.rule import AlertRule, RuleMatch
from streams.alerts.shifts import StanceObservation, StanceShift
from streams.alerts.templates import render_title
from streams.datafile import DATA_DIR, load_entries
from streams.topics.lexicon import TopicLexicon

__all__ = ["DEFAULT_ALERT_RULES_FILE", "AlertRule", "AlertRules", "Candidate", "RuleMatch"]

DEFAULT_ALERT_RULES_FILE = DATA_DIR / "alert_rules.yaml"
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019"
_EXCERPT = 160
_RECORD_KINDS = ("statement", "stance")
_UPDATE_KINDS = ("event_update", "new_story")


class AlertRules:
    """The configured rules, turning findings into alert candidates."""

    def __init__(self, rules: list[AlertRule], topics: TopicLexicon) -> None:
        unknown = {t for rule in rules for t in rule.topics} - set(topics.topics)
        if unknown:
            raise ConfigError(f"alert rules name unknown topics: {', '.join(sorted(unknown))}")
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ConfigError(f"alert rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        self.rules = rules
        self.topics = topics

    @classmethod
    def load(cls, path: Path, topics: TopicLexicon) -> AlertRules:
        """Load and validate a rules file; raises ``ConfigError`` naming file, line and field."""
        _, rules = load_entries(path, "rules", AlertRule)
        _check_references(path, rules, topics)
        return cls(rules, topics)

    def kinds(self) -> set[str]:
        """The finding kinds the rules fire on."""
        return {rule.kind for rule in self.rules}

    # -- enriched records: statements and stances ---------------------------------------------------
    def candidates(self, record: EnrichedArticle, now: datetime) -> list[Candidate]:
        """Every statement and stance alert ``record`` raises, in rule then finding order; [] for a duplicate."""
        if record.duplicate_of:
            return []
        found: list[Candidate] = []
        for rule in self.rules:
            if rule.kind == "statement":
                found.extend(self._statement(rule, record, s, now) for s in record.statements
                             if self._statement_matches(rule, record, s))
            elif rule.kind == "stance":
                found.extend(c for s in record.stances if (c := self._stance(rule, record, s, now)) is not None)
        return _unique(found)

    def evaluate(self, record: EnrichedArticle, now: datetime) -> list[Alert]:
        """The alerts of :meth:`candidates` (without the gate)."""
        return [candidate.alert for candidate in self.candidates(record, now)]

    def _statement_matches(self, rule: AlertRule, record: EnrichedArticle, statement: Statement) -> bool:
        match = rule.match
        if statement.confidence < match.min_confidence:
            return False
        if match.require_speaker and statement.speaker is None:
            return False
        if _has_actor_filter(match):
            if statement.speaker is None:
                return False
            if not actor_matches(match, ActorFacts.of(statement.speaker.id, record.actors)):
                return False
        return not match.topics or self._statement_topic(rule, record, statement) is not None

    def _statement_topic(self, rule: AlertRule, record: EnrichedArticle, statement: Statement) -> str | None:
        cited = {s.target.id.removeprefix("topic:") for s in record.stances
                 if s.target_kind == "topic" and s.evidence == statement.id}
        in_content = {hit.topic.id for hit in self.topics.find(statement.content)}
        for topic_id in rule.topics:
            if topic_id in cited or topic_id in in_content:
                return topic_id
            if rule.match.scope == "article" and topic_id in record.topics:
                return topic_id
        return None

    def _statement(self, rule: AlertRule, record: EnrichedArticle, statement: Statement, now: datetime) -> Candidate:
        speaker = statement.speaker
        topic_id = self._statement_topic(rule, record, statement)
        alert_id = _alert_id(rule.id, record.uri, speaker.id if speaker else "", " ".join(statement.content.split()))
        facts = ActorFacts.of(speaker.id if speaker else None, record.actors)
        values = {**self._common(rule, record.uri, topic_id), **_actor_values(speaker, facts),
                  **_quote_values(statement.content), "headline": record.headline,
                  "speaker": speaker.name if speaker else "Unattributed source"}
        alert = Alert(id=alert_id, type=rule.alert_type(), title=render_title(rule.title_template, values),
                      severity=rule.severity, article_uri=record.uri, topic=topic_id,
                      actors=[speaker] if speaker else [], created_at=now,
                      evidence=AlertEvidence(statement_id=statement.id, text=statement.content, span=statement.span),
                      rule=rule.id, finding="statement", story_id=record.story_id)
        route = actor_route(speaker.id) if speaker else "article:" + record.uri
        return _candidate(rule, alert, route, statement.model_dump(mode="json"))

    def _stance(self, rule: AlertRule, record: EnrichedArticle, stance: Stance, now: datetime) -> Candidate | None:
        match = rule.match
        topic_id = stance.target.id.removeprefix("topic:") if stance.target_kind == "topic" else None
        if match.topics and topic_id not in match.topics:
            return None
        if match.polarities and stance.polarity not in match.polarities:
            return None
        if abs(stance.score) < match.min_score:
            return None
        statement = _statement_by_id(record, stance.evidence)
        if statement is not None and statement.confidence < match.min_confidence:
            return None
        facts = ActorFacts.of(stance.holder.id, record.actors)
        if not actor_matches(match, facts):
            return None
        alert_id = _alert_id(rule.id, "stance", stance.holder.id, stance.target.id, stance.polarity, record.uri)
        values = {**self._common(rule, record.uri, topic_id), **_actor_values(stance.holder, facts),
                  **(_quote_values(statement.content) if statement else {}), "headline": record.headline,
                  "target": stance.target.name, "polarity": stance.polarity, "score": f"{stance.score:+.2f}",
                  "after": stance.polarity}
        alert = Alert(id=alert_id, type=rule.alert_type(), title=render_title(rule.title_template, values),
                      severity=rule.severity, article_uri=record.uri, topic=topic_id, actors=[stance.holder],
                      created_at=now, evidence=_stance_evidence(stance, statement), rule=rule.id, finding="stance",
                      story_id=record.story_id)
        return _candidate(rule, alert, actor_route(stance.holder.id), stance.model_dump(mode="json"))

    # -- stance shifts ------------------------------------------------------------------------------
    def stance_observations(self, record: EnrichedArticle) -> list[StanceObservation]:
        """One observation per (holder, topic) stance in ``record`` for the shift memory.

        Empty for a duplicate and when no rule is a ``stance_shift`` rule. Several stances of one
        holder on one topic in an article collapse to the strongest (positive or negative before
        neutral, then the largest ``|score|``).
        """
        if record.duplicate_of or "stance_shift" not in self.kinds():
            return []
        best: dict[tuple[str, str], Stance] = {}
        for stance in record.stances:
            if stance.target_kind != "topic":
                continue
            key = (stance.holder.id, stance.target.id.removeprefix("topic:"))
            held = best.get(key)
            if held is None or _strength(stance) > _strength(held):
                best[key] = stance
        at = record.published or record.ingested_at
        observations = []
        for (_, topic_id), stance in best.items():
            facts = ActorFacts.of(stance.holder.id, record.actors)
            statement = _statement_by_id(record, stance.evidence)
            observations.append(StanceObservation(
                actor=stance.holder, topic=topic_id, polarity=stance.polarity, score=stance.score,
                article_uri=record.uri, evidence=stance.evidence, at=at, actor_type=facts.type, roles=facts.roles,
                country=facts.country, quote=statement.content if statement else None,
                confidence=statement.confidence if statement else None, headline=record.headline))
        return observations

    def shift_candidates(self, shift: StanceShift, now: datetime) -> list[Candidate]:
        """The ``stance_shift`` alerts a stance shift raises, in rule order."""
        obs = shift.observation
        facts = ActorFacts(obs.actor.id, obs.actor_type, obs.roles, obs.country)
        found = []
        for rule in self.rules:
            match = rule.match
            if rule.kind != "stance_shift" or (match.topics and obs.topic not in match.topics):
                continue
            if match.polarities and obs.polarity not in match.polarities:
                continue
            if abs(obs.score) < match.min_score or (obs.confidence is not None
                                                   and obs.confidence < match.min_confidence):
                continue
            if not actor_matches(match, facts):
                continue
            alert_id = _alert_id(rule.id, "stance_shift", obs.actor.id, obs.topic, obs.polarity, obs.article_uri)
            values = {**self._common(rule, obs.article_uri, obs.topic), **_actor_values(obs.actor, facts),
                      **(_quote_values(obs.quote) if obs.quote else {}), "headline": obs.headline,
                      "target": self._topic_name(obs.topic), "polarity": obs.polarity,
                      "score": f"{obs.score:+.2f}", "before": shift.before, "after": obs.polarity}
            span = obs.evidence if isinstance(obs.evidence, tuple) else None
            text = obs.quote or f"{obs.actor.name}: {shift.before} -> {obs.polarity} on {self._topic_name(obs.topic)}"
            alert = Alert(id=alert_id, type=rule.alert_type(), title=render_title(rule.title_template, values),
                          severity=rule.severity, article_uri=obs.article_uri, topic=obs.topic, actors=[obs.actor],
                          created_at=now, rule=rule.id, finding="stance_shift",
                          evidence=AlertEvidence(statement_id=obs.evidence if isinstance(obs.evidence, str) else None,
                                                 text=text, span=span))
            found.append(_candidate(rule, alert, obs.route, shift.to_dict()))
        return found

    # -- event updates ------------------------------------------------------------------------------
    def update_candidates(self, update: EventUpdate, now: datetime) -> list[Candidate]:
        """The ``event_update`` and ``new_story`` alerts an event update raises, in rule order.

        Topics match cue phrases in the update's text (its summary, a new story's title, a new
        statement's content); actor ids match the participants the update names.
        """
        found = []
        for rule in self.rules:
            if rule.kind not in _UPDATE_KINDS or not _update_kind_matches(rule.match, update):
                continue
            topic_id = self._update_topic(rule, update)
            if rule.topics and topic_id is None:
                continue
            actors = _update_actors(update)
            if rule.match.actor_ids and not {a.id for a in actors} & set(rule.match.actor_ids):
                continue
            found.append(self._update(rule, update, topic_id, actors, now))
        return found

    def _update_topic(self, rule: AlertRule, update: EventUpdate) -> str | None:
        after = update.after if isinstance(update.after, Mapping) else {}
        text = "\n".join(str(part) for part in (update.summary, after.get("title"), after.get("content")) if part)
        hits = {hit.topic.id for hit in self.topics.find(text)}
        return next((t for t in rule.topics if t in hits), None)

    def _update(self, rule: AlertRule, update: EventUpdate, topic_id: str | None, actors: list[ActorRef],
                now: datetime) -> Candidate:
        after = update.after if isinstance(update.after, Mapping) else {}
        alert_id = _alert_id(rule.id, "event_update", update.id, update.article_uri)
        first = actors[0] if len(actors) == 1 else None
        values = {**self._common(rule, update.article_uri, topic_id), "summary": update.summary,
                  "story_id": update.story_id, "change": update.change, "before": _value_text(update.before),
                  "after": _value_text(update.after), "story_title": after.get("title") if update.change == "new_story"
                  else None, "status": update.after if update.change == "status_change" else None,
                  "actor": first.name if first else None, "actor_id": first.id if first else None,
                  **(_quote_values(str(after["content"])) if after.get("content") else {})}
        alert = Alert(id=alert_id, type=rule.alert_type(update.change), title=render_title(rule.title_template, values),
                      severity=rule.severity, article_uri=update.article_uri, topic=topic_id, actors=actors,
                      created_at=now, rule=rule.id, finding=rule.kind, story_id=update.story_id,
                      evidence=AlertEvidence(statement_id=str(after["id"]) if update.change == "new_statement"
                                             and after.get("id") else None, text=update.summary))
        return _candidate(rule, alert, story_route(update.story_id), update.model_dump(mode="json"))

    # -- shared ---------------------------------------------------------------------------------------
    def _topic_name(self, topic_id: str | None) -> str | None:
        topic = self.topics.topics.get(topic_id) if topic_id else None
        return topic.name if topic else topic_id

    def _common(self, rule: AlertRule, uri: str, topic_id: str | None) -> dict[str, Any]:
        return {"kind": rule.kind, "rule": rule.id, "severity": rule.severity, "article_uri": uri,
                "topic": self._topic_name(topic_id), "topic_id": topic_id}


def _alert_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _candidate(rule: AlertRule, alert: Alert, route: str, finding: dict[str, Any]) -> Candidate:
    return Candidate(alert=alert, route=route, throttle_key=f"{rule.id}|{route}", throttle_s=rule.throttle_s,
                     finding=finding)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    unique = []
    for candidate in candidates:
        if candidate.alert.id not in seen:
            seen.add(candidate.alert.id)
            unique.append(candidate)
    return unique


def _has_actor_filter(match: RuleMatch) -> bool:
    return bool(match.actor_ids or match.roles or match.actor_types or match.countries)


def _actor_values(actor: ActorRef | None, facts: ActorFacts) -> dict[str, Any]:
    return {"actor": actor.name if actor else None, "actor_id": actor.id if actor else None, "role": facts.role,
            "country": facts.country}


def _quote_values(content: str) -> dict[str, Any]:
    excerpt = content.strip().strip(_QUOTE_MARKS).strip()
    excerpt = excerpt if len(excerpt) <= _EXCERPT else excerpt[:_EXCERPT - 3] + "..."
    return {"quote": content, "quote_excerpt": excerpt}


def _statement_by_id(record: EnrichedArticle, evidence: str | tuple[int, int]) -> Statement | None:
    if not isinstance(evidence, str):
        return None
    return next((s for s in record.statements if s.id == evidence), None)


def _stance_evidence(stance: Stance, statement: Statement | None) -> AlertEvidence:
    if statement is not None:
        return AlertEvidence(statement_id=statement.id, text=statement.content, span=statement.span)
    span = stance.evidence if isinstance(stance.evidence, tuple) else None
    return AlertEvidence(text=f"{stance.holder.name} {stance.polarity} on {stance.target.name}", span=span)


def _strength(stance: Stance) -> tuple[bool, float]:
    return stance.polarity != "neutral", abs(stance.score)


def _update_kind_matches(match: RuleMatch, update: EventUpdate) -> bool:
    if match.kind == "new_story":
        return update.change == "new_story"
    if update.change == "new_story" or (match.changes and update.change not in match.changes):
        return False
    return not match.statuses or (update.change == "status_change" and update.after in match.statuses)


def _update_actors(update: EventUpdate) -> list[ActorRef]:
    after = update.after if isinstance(update.after, Mapping) else {}
    if update.change == "new_story":
        people = after.get("participants") or []
    elif update.change == "new_participant":
        people = [after]
    elif update.change == "new_statement":
        people = [after.get("speaker") or {}]
    else:
        people = []
    return [ActorRef(id=str(p["id"]), name=str(p.get("name") or p["id"])) for p in people
            if isinstance(p, Mapping) and p.get("id")]


def _value_text(value: Any) -> str | None:
    """An update's before/after as a title shows it: a status, a name, a statement, a detail."""
    if value is None or isinstance(value, str | int | float):
        return None if value is None else str(value)
    if isinstance(value, Mapping):
        if "title" in value:
            return str(value["title"])
        if "name" in value:
            return str(value["name"])
        if "content" in value:
            return str(value["content"])
        for key in ("place", "date", "kind"):
            if key in value:
                inner = value[key]
                return str(inner.get("name") if isinstance(inner, Mapping) else inner)
    return str(value)


def _check_references(path: Path, rules: list[AlertRule], topics: TopicLexicon) -> None:
    """Unknown topics and reused ids, reported at the line of the field in the file."""
    root = _root_node(path)
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        for position, topic_id in enumerate(rule.topics):
            if topic_id not in topics.topics:
                line = _field_line(root, index, ("match", "topics", position), ("topics", position))
                raise ConfigError(f"{path}:{line}: rules[{index}].match.topics: unknown topic {topic_id!r} "
                                  f"(known: {', '.join(topics.topics)})")
        if rule.id in seen:
            line = _field_line(root, index, ("id",))
            raise ConfigError(f"{path}:{line}: rules[{index}].id: rule id {rule.id!r} is already used by "
                              f"rules[{seen[rule.id]}]")
        seen[rule.id] = index


def _root_node(path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None


def _field_line(root: yaml.Node | None, index: int, *paths: tuple[str | int, ...]) -> int:
    """The 1-based line of ``rules[index].<path>`` (the first path found), else of the rule, else 1."""
    rule = _child(_child(root, "rules"), index)
    if rule is None:
        return 1
    for path in paths:
        node: yaml.Node | None = rule
        for part in path:
            node = _child(node, part)
        if node is not None:
            return node.start_mark.line + 1
    return rule.start_mark.line + 1


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        return next((value for key, value in node.value if key.value == part), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None

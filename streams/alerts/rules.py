"""Alert rules: which findings in an enriched article a subscriber is told about.

Rules live in a YAML file (``streams/data/alert_rules.yaml``; ``WIREWATCH_ALERT_RULES_FILE``).
Rule kind ``statement.new`` fires once per attributed statement on one of the rule's topics. A
statement is on a topic when its content contains one of the topic's cues, or a stance toward the
topic cites it as evidence; with ``match: article`` any attributed statement in an article about
the topic qualifies. Alert ids are deterministic (rule, article uri, speaker, content), so a
redelivered or re-versioned article yields the same id and subscribers can deduplicate.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas import Alert, AlertEvidence, EnrichedArticle, Statement
from schemas.errors import ConfigError
from streams.datafile import DATA_DIR, load_entries
from streams.topics.lexicon import TopicLexicon

__all__ = ["DEFAULT_ALERT_RULES_FILE", "AlertRule", "AlertRules"]

DEFAULT_ALERT_RULES_FILE = DATA_DIR / "alert_rules.yaml"
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019"


class AlertRule(BaseModel):
    """One rule from the alert rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    type: Literal["statement.new"] = "statement.new"
    topics: list[str] = Field(min_length=1, description="topic ids from the topics file")
    severity: Literal["info", "warning", "critical"] = "info"
    match: Literal["statement", "article"] = "statement"
    min_confidence: float = Field(0.5, ge=0.0, le=1.0)
    require_speaker: bool = True
    actor_ids: list[str] = Field(default_factory=list, description="only statements by these actors (empty: anyone)")


class AlertRules:
    """The configured rules, evaluated against enriched articles."""

    def __init__(self, rules: list[AlertRule], topics: TopicLexicon) -> None:
        unknown = {t for rule in rules for t in rule.topics} - set(topics.topics)
        if unknown:
            raise ConfigError(f"alert rules name unknown topics: {', '.join(sorted(unknown))}")
        self.rules = rules
        self.topics = topics

    @classmethod
    def load(cls, path: Path, topics: TopicLexicon) -> AlertRules:
        """Load and validate a rules file; raises ``ConfigError`` naming file, line and field."""
        _, rules = load_entries(path, "rules", AlertRule)
        return cls(rules, topics)

    def evaluate(self, record: EnrichedArticle, now: datetime) -> list[Alert]:
        """Every alert ``record`` triggers, in rule then statement order."""
        alerts: list[Alert] = []
        for rule in self.rules:
            for statement in record.statements:
                topic_id = self._topic_for(rule, record, statement)
                if topic_id is None or not self._eligible(rule, statement):
                    continue
                alerts.append(self._alert(rule, record, statement, topic_id, now))
        return alerts

    def _eligible(self, rule: AlertRule, statement: Statement) -> bool:
        if statement.confidence < rule.min_confidence:
            return False
        if rule.require_speaker and statement.speaker is None:
            return False
        return not rule.actor_ids or (statement.speaker is not None and statement.speaker.id in rule.actor_ids)

    def _topic_for(self, rule: AlertRule, record: EnrichedArticle, statement: Statement) -> str | None:
        cited = {s.target.id.removeprefix("topic:") for s in record.stances
                 if s.target_kind == "topic" and s.evidence == statement.id}
        in_content = {hit.topic.id for hit in self.topics.find(statement.content)}
        for topic_id in rule.topics:
            if topic_id in cited or topic_id in in_content:
                return topic_id
            if rule.match == "article" and topic_id in record.topics:
                return topic_id
        return None

    def _alert(self, rule: AlertRule, record: EnrichedArticle, statement: Statement, topic_id: str,
               now: datetime) -> Alert:
        speaker = statement.speaker
        key = "\x1f".join([rule.id, record.uri, speaker.id if speaker else "", " ".join(statement.content.split())])
        alert_id = hashlib.sha256(key.encode()).hexdigest()[:32]
        topic_name = self.topics.topics[topic_id].name
        who = speaker.name if speaker else "Unattributed source"
        excerpt = statement.content.strip().strip(_QUOTE_MARKS).strip()
        excerpt = excerpt if len(excerpt) <= 160 else excerpt[:157] + "..."
        return Alert(
            id=alert_id,
            type=rule.type,
            title=f"{who} on {topic_name}: \u201c{excerpt}\u201d",
            severity=rule.severity,
            article_uri=record.uri,
            topic=topic_id,
            actors=[speaker] if speaker else [],
            created_at=now,
            evidence=AlertEvidence(statement_id=statement.id, text=statement.content, span=statement.span),
            rule=rule.id,
        )

"""Topic cues and the statement.new alert rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import ActorRef, EnrichedArticle, Stance, Statement
from schemas.errors import ConfigError
from streams.alerts.rules import DEFAULT_ALERT_RULES_FILE, AlertRule, AlertRules
from streams.topics.lexicon import Topic, TopicLexicon

NOW = datetime(2026, 11, 27, tzinfo=UTC)
LEXICON = TopicLexicon([
    Topic(id="peace-talks", name="peace talks", cues=["peace talks", "ceasefire negotiation*"]),
    Topic(id="sanctions", name="sanctions", cues=["sanction*"], min_mentions=2),
])


def test_cues_match_case_insensitively_with_prefixes_and_hyphens() -> None:
    text = "Peace-talks resumed. Ceasefire negotiations stalled. New sanctions."
    assert [(h.topic.id, text[h.start:h.end]) for h in LEXICON.find(text)] == [
        ("peace-talks", "Peace-talks"), ("peace-talks", "Ceasefire negotiations"), ("sanctions", "sanctions")]


def test_topic_needs_its_minimum_number_of_mentions() -> None:
    assert LEXICON.about(LEXICON.find("One sanction only.")) == []
    assert LEXICON.about(LEXICON.find("Sanctions and more sanctions.")) == ["sanctions"]


def test_shipped_topics_and_rules_files_are_valid() -> None:
    topics = TopicLexicon.load()
    assert "peace-talks" in topics.topics
    rules = AlertRules.load(DEFAULT_ALERT_RULES_FILE, topics)
    assert any("peace-talks" in r.topics for r in rules.rules)


def test_invalid_rules_file_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - id: ok\n    topics: [peace-talks]\n  - id: bad\n    topics: [peace-talks]\n"
                    "    severity: loud\n")
    with pytest.raises(ConfigError, match=r"rules\.yaml:4: rules\[1\]\.severity"):
        AlertRules.load(path, LEXICON)


def test_rules_naming_an_unknown_topic_are_refused() -> None:
    with pytest.raises(ConfigError, match="elections"):
        AlertRules([AlertRule(id="r", topics=["elections"])], LEXICON)


def _record(statements: list[Statement], stances: list[Stance] | None = None, topics: list[str] | None = None) -> EnrichedArticle:
    return EnrichedArticle(uri="urn:a", headline="h", published=None, extractor={}, ingested_at=NOW, processed_at=NOW,
                           text_length=100, statements=statements, stances=stances or [], topics=topics or [])


ANA = ActorRef(id="Q1", name="Ana Silva")


def _statement(content: str, speaker: ActorRef | None = ANA, confidence: float = 0.9, sid: str = "s1") -> Statement:
    return Statement(id=sid, speaker=speaker, content=content, kind="direct", cue="said", span=(10, 10 + len(content)),
                     confidence=confidence)


RULES = AlertRules([AlertRule(id="peace", topics=["peace-talks"], severity="warning")], LEXICON)


def test_statement_on_the_topic_raises_one_alert_with_evidence() -> None:
    [alert] = RULES.evaluate(_record([_statement("The peace talks are our best hope")]), NOW)
    assert (alert.type, alert.topic, alert.severity, alert.rule) == ("statement.new", "peace-talks", "warning", "peace")
    assert alert.actors == [ActorRef(id="Q1", name="Ana Silva")]
    assert alert.evidence.statement_id == "s1" and "best hope" in alert.evidence.text
    assert "Ana Silva on peace talks" in alert.title


def test_statement_cited_by_a_topic_stance_counts_even_without_a_cue() -> None:
    stance = Stance(holder=ActorRef(id="Q1", name="Ana Silva"), target=ActorRef(id="topic:peace-talks", name="peace talks"),
                    target_kind="topic", polarity="negative", score=-0.6, evidence="s1")
    assert len(RULES.evaluate(_record([_statement("They will fail")], [stance]), NOW)) == 1


def test_off_topic_unattributed_or_unsure_statements_raise_nothing() -> None:
    record = _record([
        _statement("Prices fell", sid="a"),
        _statement("The peace talks matter", speaker=None, sid="b"),
        _statement("The peace talks matter", confidence=0.2, sid="c"),
    ])
    assert RULES.evaluate(record, NOW) == []


def test_alert_id_is_stable_across_redelivery_and_article_versions() -> None:
    first = RULES.evaluate(_record([_statement("The peace talks  are our best hope")]), NOW)
    second = RULES.evaluate(_record([_statement("The peace talks are our best hope", sid="other")]), NOW)
    assert first[0].id == second[0].id


def test_alert_title_does_not_double_the_quote_marks() -> None:
    [alert] = RULES.evaluate(_record([_statement("\u201cThe peace talks are our best hope,\u201d")]), NOW)
    assert alert.title == "Ana Silva on peace talks: \u201cThe peace talks are our best hope,\u201d"

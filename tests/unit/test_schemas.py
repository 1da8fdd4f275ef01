"""Contracts: models, the JSON Schema files subscribers read, dead-letter headers, the codec."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas import Actor, ActorRef, Alert, Article, DeadLetter, Statement
from schemas.codec import decode, decode_model, encode
from schemas.json_schema import JSON_DIR, MODELS, render


@pytest.mark.parametrize("stem", sorted(MODELS))
def test_json_schema_files_match_the_models(stem: str) -> None:
    path = JSON_DIR / f"{stem}.json"
    assert path.exists(), f"missing {path}: run make schemas"
    assert path.read_text(encoding="utf-8") == render(MODELS[stem]), f"{path} drifted: run make schemas"


def test_article_text_joins_headline_and_body_with_a_blank_line() -> None:
    article = Article(uri="u", headline="Talks open", body_text="Delegates met.")
    assert article.text == "Talks open\n\nDelegates met."
    assert article.text[article.body_offset :] == "Delegates met."


def test_article_needs_uri_and_some_text() -> None:
    with pytest.raises(ValidationError, match="uri"):
        Article.model_validate({"headline": "x"})
    with pytest.raises(ValidationError, match="headline or a body_text"):
        Article(uri="u", headline=" ", body_text="")


def test_published_models_are_frozen_and_reject_unknown_fields() -> None:
    actor = Actor(id="Q1", name="X", type="person")
    with pytest.raises(ValidationError):
        actor.name = "Y"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="colour"):
        Actor.model_validate({"id": "Q1", "name": "X", "type": "person", "colour": "red"})


def test_statement_confidence_is_bounded() -> None:
    with pytest.raises(ValidationError, match="confidence"):
        Statement(id="s", speaker=None, content="c", kind="direct", cue=None, span=(0, 1), confidence=1.5)


def test_alert_type_must_be_dotted() -> None:
    fields = dict(id="a", title="t", severity="info", article_uri="u", topic=None, created_at="2026-01-01T00:00:00Z",
                  evidence={"text": "e"}, rule="r")
    assert Alert.model_validate({**fields, "type": "statement.new"}).type == "statement.new"
    with pytest.raises(ValidationError, match="type"):
        Alert.model_validate({**fields, "type": "statement"})


def test_dead_letter_round_trips_through_kip_1034_headers() -> None:
    letter = DeadLetter(exception="schemas.errors.NotJsonError", message="bad", stacktrace="tb", source_topic="news.articles",
                        source_partition=2, source_offset=41, reason="not-json", stage="enrich",
                        failed_at="2026-11-27T00:00:00+00:00")
    headers = letter.to_headers()
    names = [name for name, _ in headers]
    assert "__streams.errors.exception" in names and "__streams.errors.offset" in names
    assert DeadLetter.from_headers(headers + [("other", b"x")]) == letter


def test_codec_keeps_offsets_and_unicode_and_reads_models_back() -> None:
    ref = ActorRef(id="Q1", name="António")
    assert decode(encode(ref)) == {"id": "Q1", "name": "António"}
    assert decode_model(ActorRef, encode(ref)) == ref
    article = Article(uri="u", headline="h", published="2026-11-27T10:00:00+02:00")
    assert b'"published":"2026-11-27T10:00:00+02:00"' in encode(article)
    assert decode_model(Article, encode(article)) == article

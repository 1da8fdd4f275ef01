"""The analyst's view: folding the output topics into stories and alerts, and rendering the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from schemas import ActorRef, Alert, AlertEvidence, EnrichedArticle, EventUpdate, Stance, Statement
from schemas.codec import encode
from schemas.enriched import Actor, Role
from streams.view.model import ViewConfig, ViewState
from streams.view.render import PageInfo, render_json, render_page

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FIDAN = ActorRef(id="ww:person:hakan-fidan", name="Hakan Fidan")
WONG = ActorRef(id="ww:person:penny-wong", name="Penny Wong")
PEACE_TALKS = ActorRef(id="topic:peace-talks", name="peace talks")


@pytest.fixture
def enriched() -> Callable[..., EnrichedArticle]:
    """Build an :class:`EnrichedArticle` of story ``st-1``; override any field by keyword."""
    counter = iter(range(1_000_000))

    def make(**fields: Any) -> EnrichedArticle:
        n = next(counter)
        at = fields.pop("at", T0 + timedelta(hours=n))
        fields.setdefault("uri", f"urn:test:view:{n}")
        fields.setdefault("headline", f"Headline {n}")
        fields.setdefault("story_id", "st-1")
        fields.setdefault("actors", [Actor(id=FIDAN.id, name=FIDAN.name, type="person",
                                           roles=[Role(title="Foreign Minister", affiliation="Turkey")])])
        return EnrichedArticle(published=at, extractor={}, ingested_at=at, processed_at=at, text_length=100,
                               **fields)

    return make


def _statement(content: str, speaker: ActorRef | None = FIDAN, sid: str = "s1", start: int = 10,
               kind: str = "indirect") -> Statement:
    return Statement.model_validate({"id": sid, "speaker": speaker.model_dump() if speaker else None,
                                     "content": content, "kind": kind, "cue": "said",
                                     "span": (start, start + len(content)), "confidence": 0.9})


def _stance(holder: ActorRef, polarity: str, evidence: str | tuple[int, int]) -> Stance:
    return Stance.model_validate({"holder": holder.model_dump(), "target": PEACE_TALKS.model_dump(),
                                  "target_kind": "topic", "polarity": polarity,
                                  "score": 0.7 if polarity == "positive" else -0.6, "evidence": evidence})


def _update(change: str, after: Any, summary: str, *, story_id: str = "st-1", uri: str = "urn:test:view:0",
            at: datetime = T0, uid: str | None = None) -> EventUpdate:
    return EventUpdate.model_validate({"id": uid or f"up-{change}-{story_id}-{uri}-{summary}", "story_id": story_id,
                                       "change": change, "after": after, "article_uri": uri, "created_at": at,
                                       "summary": summary})


def _new_story(story_id: str, title: str, participants: list[ActorRef], status: str = "planned",
               at: datetime = T0, uri: str = "urn:test:view:0") -> EventUpdate:
    story = {"id": story_id, "title": title, "kind": "CONSULT", "participants": [p.model_dump() for p in participants],
             "first_seen": at.isoformat(), "last_seen": at.isoformat(), "status": status}
    return _update("new_story", story, title, story_id=story_id, uri=uri, at=at)


def _alert(n: int, *, at: datetime = T0, title: str | None = None, uri: str = "urn:test:view:0") -> Alert:
    return Alert(id=f"al-{n}", type="statement.new", title=title or f"Alert number {n}", severity="warning",
                 article_uri=uri, topic="peace-talks", actors=[FIDAN], created_at=at,
                 evidence=AlertEvidence(text="the talks should move to Istanbul"), rule="peace-talk-statement",
                 finding="statement", story_id="st-1")


def _fold(view: ViewState, *records: EnrichedArticle | EventUpdate | Alert) -> None:
    for record in records:
        source = "enriched" if isinstance(record, EnrichedArticle) else "update" if isinstance(record, EventUpdate) \
            else "alert"
        view.fold(source, encode(record), getattr(record, "uri", "").encode() or None)


def test_stories_show_newest_first_with_participants_status_and_a_timeline_of_who_said_what(
        enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    first = enriched(uri="urn:a", story_id="st-old", headline="Talks open in Geneva", at=T0)
    second = enriched(uri="urn:b", story_id="st-new", headline="Turkey sends delegation", at=T0 + timedelta(days=1),
                      url="https://example.org/turkey",
                      statements=[_statement("the talks should move to Istanbul", sid="s-b1")],
                      stances=[_stance(FIDAN, "positive", "s-b1")])
    _fold(view, first, second,
          _new_story("st-new", "Turkey sends delegation", [FIDAN], "planned", T0 + timedelta(days=1), "urn:b"),
          _update("new_participant", WONG.model_dump(), "Penny Wong joins talks", story_id="st-new", uri="urn:b",
                  at=T0 + timedelta(days=1)))

    snapshot = view.snapshot()
    assert [s.id for s in snapshot.stories] == ["st-new", "st-old"]
    story = snapshot.stories[0]
    assert story.status == "planned"
    assert [(p.name, p.role) for p in story.participants] == [("Hakan Fidan", "Foreign Minister"), ("Penny Wong", None)]
    [opened, joined, said] = story.timeline
    assert (opened.change, joined.change) == ("new_story", "new_participant")
    assert (said.speaker, said.text, said.cue) == ("Hakan Fidan", "the talks should move to Istanbul", "said")
    assert [(n.polarity, n.target) for n in said.stances] == [("positive", "peace talks")]
    assert said.article.href == "https://example.org/turkey"

    page = render_page(snapshot)
    assert page.index("Turkey sends delegation") < page.index("Talks open in Geneva")
    assert "Penny Wong joins talks" in page and "positive on peace talks" in page
    assert 'href="https://example.org/turkey"' in page


def test_a_redelivered_record_is_shown_once(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    article = enriched(statements=[_statement("we will need patience from everyone")])
    update = _new_story("st-1", "Ceasefire talks", [FIDAN], uri=article.uri)
    for _ in range(3):
        _fold(view, article, update, _alert(1))

    snapshot = view.snapshot()
    assert len(snapshot.stories) == 1 and len(snapshot.alerts) == 1
    assert len(snapshot.stories[0].articles) == 1
    assert [e.kind for e in snapshot.stories[0].timeline] == ["update", "statement"]
    assert render_page(snapshot).count("we will need patience from everyone") == 1


def test_a_new_version_of_an_article_replaces_the_earlier_one(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    _fold(view, enriched(uri="urn:v", headline="Talks to open on Monday", statements=[_statement("first wording")]))
    _fold(view, enriched(uri="urn:v", headline="Talks open in Geneva", statements=[_statement("second wording")]))

    [story] = view.snapshot().stories
    assert [a.headline for a in story.articles] == ["Talks open in Geneva"]
    assert [e.text for e in story.timeline] == ["second wording"]


def test_an_article_moved_to_another_story_leaves_the_first_one(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    _fold(view, enriched(uri="urn:m", story_id="st-a"), enriched(uri="urn:m", story_id="st-b"))
    assert [s.id for s in view.snapshot().stories] == ["st-b"]


def test_a_syndicated_copy_does_not_repeat_the_statements_of_its_original(
        enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    original = enriched(uri="urn:orig", statements=[_statement("no reason to doubt the mediators", sid="s1")])
    copy = enriched(uri="urn:copy", duplicate_of="urn:orig",
                    statements=[_statement("no reason to doubt the mediators", sid="s9", start=40)])
    rewrite = enriched(uri="urn:rewrite", statements=[_statement("No reason to doubt the  mediators.", sid="s5")])
    _fold(view, original, copy, rewrite)

    [story] = view.snapshot().stories
    assert len(story.articles) == 3
    assert [e.article.uri for e in story.timeline if e.kind == "statement"] == ["urn:orig"]
    assert "copy of an earlier article" in render_page(view.snapshot())


def test_a_statement_and_its_new_statement_update_are_one_timeline_entry(
        enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    article = enriched(uri="urn:s", statements=[_statement("a negotiated settlement is the only way", sid="s1")])
    update = _update("new_statement", {"id": "s1", "speaker": FIDAN.model_dump(), "content": "a negotiated"},
                     'Hakan Fidan: "a negotiated settlement"', uri="urn:s")
    _fold(view, update, article)
    assert [e.kind for e in view.snapshot().stories[0].timeline] == ["statement"]


def test_a_stance_without_a_statement_is_its_own_timeline_entry(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    _fold(view, enriched(stances=[_stance(WONG, "negative", (0, 20))]))
    [entry] = view.snapshot().stories[0].timeline
    assert entry.kind == "stance" and entry.speaker == "Penny Wong"
    assert [n.polarity for n in entry.stances] == ["negative"]
    assert "negative on peace talks" in render_page(view.snapshot())


def test_markup_in_article_text_is_escaped_and_unsafe_links_are_not_made(
        enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    evil = ActorRef(id="x", name="<img src=x onerror=alert(2)>")
    _fold(view, enriched(headline="<script>alert(1)</script> Talks", url="javascript:alert(3)", uri="urn:evil",
                         statements=[_statement('"</q><script>alert(4)</script>"', speaker=evil)]),
          _alert(1, title='<b onmouseover="alert(5)">x</b>', uri="urn:evil"))

    page = render_page(view.snapshot())
    assert "<script>alert" not in page and "<img src=x" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Talks" in page
    assert "javascript:" not in page
    assert 'href="urn:evil"' in page, "the uri is the fallback link"


def test_the_view_keeps_the_most_recently_active_stories_and_the_newest_alerts(
        enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState(ViewConfig(max_stories=2, max_alerts=3, max_articles_per_story=2))
    for n in range(5):
        _fold(view, enriched(uri=f"urn:s{n}", story_id=f"st-{n}", at=T0 + timedelta(hours=n)))
    for n in range(6):
        _fold(view, _alert(n, at=T0 + timedelta(minutes=n)))
    _fold(view, enriched(uri="urn:late-1", story_id="st-3", at=T0 + timedelta(hours=9)),
          enriched(uri="urn:late-2", story_id="st-3", at=T0 + timedelta(hours=10)))

    snapshot = view.snapshot()
    assert [s.id for s in snapshot.stories] == ["st-3", "st-4"]
    assert [a.uri for a in snapshot.stories[0].articles] == ["urn:late-1", "urn:late-2"]
    assert [a.id for a in snapshot.alerts] == ["al-5", "al-4", "al-3"]


def test_the_timeline_shows_the_newest_entries_and_counts_the_rest(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState(ViewConfig(max_timeline=3))
    statements = [_statement(f"point number {n}", sid=f"s{n}", start=10 * n + 10) for n in range(5)]
    _fold(view, enriched(statements=statements))
    [story] = view.snapshot().stories
    assert story.hidden == 2
    assert [e.text for e in story.timeline] == ["point number 2", "point number 3", "point number 4"]
    assert "2 earlier timeline entries not shown" in render_page(view.snapshot())


def test_status_follows_status_changes_and_a_quiet_story_turns_dormant(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState(ViewConfig(quiet_period_s=86_400))
    later = T0 + timedelta(hours=5)
    _fold(view, _new_story("st-1", "Talks in Geneva", [FIDAN], "planned"),
          _update("status_change", "cancelled", "Talks in Geneva cancelled", at=later),
          _update("status_change", "ongoing", "Talks in Geneva under way", at=T0 + timedelta(hours=1)))
    assert view.snapshot().stories[0].status == "cancelled", "an older update arriving late does not win"

    _fold(view, enriched(uri="urn:other", story_id="st-2", at=later + timedelta(days=2)))
    assert {s.id: s.status for s in view.snapshot().stories} == {"st-1": "dormant", "st-2": "active"}


def test_an_unreadable_record_raises_value_error_and_changes_nothing() -> None:
    view = ViewState()
    for source, value in (("enriched", b"not json"), ("update", b'{"id": 1}'), ("alert", b"[]")):
        with pytest.raises(ValueError):
            view.fold(source, value)  # type: ignore[arg-type]
    assert view.folded == 0 and not view.snapshot().stories


def test_a_tombstone_removes_the_article(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    _fold(view, enriched(uri="urn:gone"))
    view.fold("enriched", None, b"urn:gone")
    assert not view.snapshot().stories


def test_the_page_refreshes_itself_and_the_json_has_the_same_content(enriched: Callable[..., EnrichedArticle]) -> None:
    view = ViewState()
    _fold(view, enriched(headline="Talks open"), _alert(1))
    info = PageInfo(topics=("t.news.alerts",), refresh_s=20, skipped=2, nonce="abc123")
    page = render_page(view.snapshot(), info)
    assert '<meta http-equiv="refresh" content="20">' in page and "20000" in page
    assert '<script nonce="abc123">' in page and "2 unreadable record(s) skipped" in page
    data = orjson.loads(render_json(view.snapshot(), info))
    assert data["stories"][0]["title"] == "Talks open" and data["alerts"][0]["id"] == "al-1"
    assert data["skipped"] == 2


def test_an_empty_view_says_what_it_waits_for() -> None:
    page = render_page(ViewState().snapshot(), PageInfo(caught_up=False))
    assert "No stories yet" in page and "No alerts yet" in page and "not complete yet" in page

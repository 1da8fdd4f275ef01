"""What the analyst's view shows, folded from three output topics into a bounded in-memory state.

:meth:`ViewState.fold` takes one record of ``news.articles.enriched``, ``news.events.updates`` or
``news.alerts`` as it is on the topic (bytes) and :meth:`ViewState.snapshot` returns the page's
content: the stories, most recently active first, each with its participants, status and a timeline
of event updates and statements (who said what, with the speaker's stance), and the newest alerts.

Delivery is at least once, and a rebuild reads every record again: an enriched record replaces the
earlier one of the same uri, updates and alerts are kept by their deterministic ids, and a statement
made in two articles of one story (a syndicated copy, a rewrite) is shown once. Folding the same
records again, in the same order, gives the same view.

Memory is bounded by :class:`ViewConfig`: at most ``max_stories`` stories (the least recently active
one is dropped with its articles and updates), ``max_articles_per_story`` articles and
``max_updates_per_story`` updates per story (the newest are kept), and ``max_alerts`` alerts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from schemas import Alert, EnrichedArticle, EventUpdate, Stance, Statement, Story
from schemas.codec import decode_model

__all__ = [
    "AlertCard",
    "ArticleRef",
    "Participant",
    "Source",
    "StanceNote",
    "StoryCard",
    "TimelineEntry",
    "ViewConfig",
    "ViewSnapshot",
    "ViewState",
]

#: which topic a record comes from
Source = Literal["enriched", "update", "alert"]

#: links are only made to these; anything else (``javascript:``, ``data:``) is shown as text
_LINK_PREFIXES = ("http://", "https://", "urn:", "tag:")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ViewConfig:
    """How much the view keeps, and when a quiet story counts as dormant (seconds of event time)."""

    max_stories: int = 100
    max_alerts: int = 50
    max_articles_per_story: int = 25
    max_updates_per_story: int = 100
    #: timeline entries shown per story (the newest; the count of earlier ones is shown)
    max_timeline: int = 40
    quiet_period_s: float = 7 * 86_400.0


# -- what the page shows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ArticleRef:
    """An article as the page links to it: ``href`` is its url, else its uri, else none (unsafe scheme)."""

    uri: str
    headline: str | None
    href: str | None
    source: str | None = None
    published: datetime | None = None
    duplicate_of: str | None = None
    #: the ninjs pubstatus of a withdrawn article ("canceled", "withheld"); None when usable
    withdrawn: str | None = None


@dataclass(frozen=True)
class Participant:
    """An actor taking part in a story, with a role the articles give it."""

    id: str
    name: str
    role: str | None = None


@dataclass(frozen=True)
class StanceNote:
    """A stance as a reader sees it: "Dmitry Peskov, negative on ceasefire"."""

    holder: str
    target: str
    target_kind: Literal["actor", "topic"]
    polarity: Literal["positive", "negative", "neutral"]
    score: float


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a story's timeline: an event update, a statement, or a stance with no statement."""

    at: datetime
    kind: Literal["update", "statement", "stance"]
    text: str
    article: ArticleRef
    change: str | None = None
    speaker: str | None = None
    cue: str | None = None
    quote: Literal["direct", "indirect"] | None = None
    stances: tuple[StanceNote, ...] = ()


@dataclass(frozen=True)
class StoryCard:
    """One story on the page."""

    id: str
    title: str
    kind: str | None
    status: str
    participants: tuple[Participant, ...]
    first_seen: datetime
    last_seen: datetime
    articles: tuple[ArticleRef, ...]
    timeline: tuple[TimelineEntry, ...]
    #: earlier timeline entries left out (``ViewConfig.max_timeline``)
    hidden: int = 0


@dataclass(frozen=True)
class AlertCard:
    """One alert on the page."""

    id: str
    title: str
    severity: str
    type: str
    created_at: datetime
    evidence: str
    topic: str | None
    actors: tuple[str, ...]
    article: ArticleRef
    story_id: str | None


@dataclass(frozen=True)
class ViewSnapshot:
    """Everything the page shows at one moment."""

    stories: tuple[StoryCard, ...]
    alerts: tuple[AlertCard, ...]
    #: records folded so far
    folded: int
    #: the newest event time seen (an article's, an update's; an alert's is its processing time)
    clock: datetime | None


# -- the state -------------------------------------------------------------------------------------
@dataclass
class _Story:
    id: str
    first_seen: datetime
    last_seen: datetime
    title: str | None = None
    kind: str | None = None
    status: str | None = None
    status_at: datetime | None = None
    participants: dict[str, str] = field(default_factory=dict)
    articles: set[str] = field(default_factory=set)
    updates: dict[str, EventUpdate] = field(default_factory=dict)

    def touch(self, at: datetime) -> None:
        self.first_seen = min(self.first_seen, at)
        self.last_seen = max(self.last_seen, at)


class ViewState:
    """The stories, their articles and updates, and the alerts, bounded by a :class:`ViewConfig`."""

    def __init__(self, config: ViewConfig | None = None) -> None:
        self.config = config or ViewConfig()
        self.folded = 0
        self._articles: dict[str, EnrichedArticle] = {}
        self._stories: dict[str, _Story] = {}
        self._alerts: dict[str, Alert] = {}
        self._clock: datetime | None = None

    def fold(self, source: Source, value: bytes | None, key: bytes | None = None) -> None:
        """Fold one record as it is on its topic into the view.

        A tombstone (``value`` None) of an enriched record removes the article named by ``key``.

        Raises:
            ValueError: the record is not JSON or not valid for its topic's schema (the view is unchanged).
        """
        if value is None:
            if source == "enriched" and key:
                self.forget_article(key.decode("utf-8", "replace"))
            self.folded += 1
            return
        if source == "enriched":
            self.add_article(decode_model(EnrichedArticle, value))
        elif source == "update":
            self.add_update(decode_model(EventUpdate, value))
        elif source == "alert":
            self.add_alert(decode_model(Alert, value))
        else:
            raise ValueError(f"unknown source {source!r}")
        self.folded += 1

    def add_article(self, record: EnrichedArticle) -> None:
        """Add an enriched record, replacing an earlier one of the same uri."""
        self.forget_article(record.uri)
        at = _event_time(record)
        story = self._story(record.story_id or f"article:{record.uri}", at)
        # the page shows no events: not keeping them roughly halves what an article costs in memory
        self._articles[record.uri] = record.model_copy(update={"events": []})
        story.articles.add(record.uri)
        story.touch(at)
        self._tick(at)
        self._trim_articles(story)
        self._trim_stories()

    def add_update(self, update: EventUpdate) -> None:
        """Add an event update to its story (one already there is ignored)."""
        story = self._story(update.story_id, update.created_at)
        if update.id in story.updates:
            return
        story.updates[update.id] = update
        story.touch(update.created_at)
        self._tick(update.created_at)
        _apply_change(story, update)
        if len(story.updates) > self.config.max_updates_per_story:
            oldest = min(story.updates.values(), key=lambda u: u.created_at)
            del story.updates[oldest.id]
        self._trim_stories()

    def add_alert(self, alert: Alert) -> None:
        """Add an alert (by id: a redelivered one replaces itself); only the newest are kept."""
        self._alerts[alert.id] = alert
        if len(self._alerts) > self.config.max_alerts:
            oldest = min(self._alerts.values(), key=lambda a: (a.created_at, a.id))
            del self._alerts[oldest.id]

    def forget_article(self, uri: str) -> None:
        """Remove an article (a tombstone, or before its new version is added)."""
        old = self._articles.pop(uri, None)
        if old is None:
            return
        key = old.story_id or f"article:{old.uri}"
        story = self._stories.get(key)
        if story is None:
            return
        story.articles.discard(uri)
        if not story.articles and not story.updates:
            del self._stories[key]

    def snapshot(self) -> ViewSnapshot:
        """The page's content now: stories most recently active first, alerts newest first."""
        stories = sorted(self._stories.values(), key=lambda s: (s.last_seen, s.id), reverse=True)
        alerts = sorted(self._alerts.values(), key=lambda a: (a.created_at, a.id), reverse=True)
        return ViewSnapshot(stories=tuple(self._card(s) for s in stories),
                            alerts=tuple(self._alert_card(a) for a in alerts),
                            folded=self.folded, clock=self._clock)

    # -- keeping it bounded ------------------------------------------------------------------------
    def _story(self, story_id: str, at: datetime) -> _Story:
        story = self._stories.get(story_id)
        if story is None:
            story = self._stories[story_id] = _Story(id=story_id, first_seen=at, last_seen=at)
        return story

    def _tick(self, at: datetime) -> None:
        self._clock = at if self._clock is None else max(self._clock, at)

    def _trim_articles(self, story: _Story) -> None:
        while len(story.articles) > self.config.max_articles_per_story:
            oldest = min(story.articles, key=lambda uri: (_event_time(self._articles[uri]), uri))
            story.articles.discard(oldest)
            del self._articles[oldest]

    def _trim_stories(self) -> None:
        while len(self._stories) > self.config.max_stories:
            oldest = min(self._stories.values(), key=lambda s: (s.last_seen, s.id))
            for uri in oldest.articles:
                self._articles.pop(uri, None)
            del self._stories[oldest.id]

    # -- building the page -------------------------------------------------------------------------
    def _card(self, story: _Story) -> StoryCard:
        articles = sorted((self._articles[uri] for uri in story.articles), key=lambda a: (_event_time(a), a.uri))
        timeline = self._timeline(story, articles)
        hidden = max(0, len(timeline) - self.config.max_timeline)
        title = story.title or next((a.headline for a in articles if a.headline.strip()), None) or story.id
        return StoryCard(id=story.id, title=title, kind=story.kind, status=self._status(story),
                         participants=_participants(story, articles), first_seen=story.first_seen,
                         last_seen=story.last_seen, articles=tuple(_ref(a) for a in articles),
                         timeline=tuple(timeline[hidden:]), hidden=hidden)

    def _status(self, story: _Story) -> str:
        quiet = self._clock is not None and (self._clock - story.last_seen).total_seconds() > self.config.quiet_period_s
        return "dormant" if quiet else (story.status or "active")

    def _timeline(self, story: _Story, articles: list[EnrichedArticle]) -> list[TimelineEntry]:
        """Updates and statements in event-time order; within an article, updates first, then text order."""
        ordered: list[tuple[tuple[Any, ...], TimelineEntry]] = []
        shown_statements: set[str] = set()
        said: set[tuple[str, str]] = set()
        loose_stances: set[tuple[str, str, str]] = set()
        for article in articles:
            if article.duplicate_of in story.articles:
                # a copy of an article shown here says the same things (and made no update)
                shown_statements.update(s.id for s in article.statements)
                continue
            at, ref = _event_time(article), _ref(article)
            attached, loose = _stances_by_statement(article)
            for statement in sorted(article.statements, key=lambda s: s.span):
                shown_statements.add(statement.id)
                if statement.speaker is None:
                    continue
                what = (statement.speaker.id, _plain(statement.content))
                if what in said:
                    continue
                said.add(what)
                entry = TimelineEntry(at=at, kind="statement", text=statement.content.strip(), article=ref,
                                      speaker=statement.speaker.name, cue=statement.cue, quote=statement.kind,
                                      stances=tuple(_note(s) for s in attached.get(statement.id, ())))
                ordered.append(((at, article.uri, 1, statement.span), entry))
            for stance in loose:
                seen = (stance.holder.id, stance.target.id, stance.polarity)
                if seen in loose_stances:
                    continue
                loose_stances.add(seen)
                entry = TimelineEntry(at=at, kind="stance", text="", article=ref, speaker=stance.holder.name,
                                      stances=(_note(stance),))
                ordered.append(((at, article.uri, 2, (0, 0)), entry))
        # a story's updates arrive in the order the tracker made them (one partition): keep it for ties
        for position, update in enumerate(sorted(story.updates.values(), key=lambda u: u.created_at)):
            if update.change == "new_statement" and _statement_id(update.after) in shown_statements:
                continue
            ref = _ref(self._articles[update.article_uri]) if update.article_uri in self._articles else \
                ArticleRef(uri=update.article_uri, headline=None, href=_href(update.article_uri))
            entry = TimelineEntry(at=update.created_at, kind="update", text=update.summary, article=ref,
                                  change=update.change)
            ordered.append(((update.created_at, update.article_uri, 0, (position, 0)), entry))
        ordered.sort(key=lambda pair: pair[0])
        return [entry for _, entry in ordered]

    def _alert_card(self, alert: Alert) -> AlertCard:
        article = self._articles.get(alert.article_uri)
        ref = _ref(article) if article is not None else \
            ArticleRef(uri=alert.article_uri, headline=None, href=_href(alert.article_uri))
        return AlertCard(id=alert.id, title=alert.title, severity=alert.severity, type=alert.type,
                         created_at=alert.created_at, evidence=alert.evidence.text, topic=alert.topic,
                         actors=tuple(a.name for a in alert.actors), article=ref, story_id=alert.story_id)


# -- folding an update -----------------------------------------------------------------------------
def _apply_change(story: _Story, update: EventUpdate) -> None:
    """What an update says about the story itself: its title, kind, status and participants."""
    if update.change == "new_story":
        opened = _as_story(update.after)
        if opened is None:
            return
        story.title, story.kind = opened.title, opened.kind
        story.participants.update({p.id: p.name for p in opened.participants})
        _set_status(story, opened.status, update.created_at)
    elif update.change == "new_participant" and isinstance(update.after, dict):
        actor_id, name = update.after.get("id"), update.after.get("name")
        if isinstance(actor_id, str) and isinstance(name, str):
            story.participants[actor_id] = name
    elif update.change == "status_change" and isinstance(update.after, str):
        _set_status(story, update.after, update.created_at)


def _set_status(story: _Story, status: str, at: datetime) -> None:
    # updates of one story arrive in order, but a redelivered older one must not turn the clock back
    if story.status_at is None or at >= story.status_at:
        story.status, story.status_at = status, at


def _as_story(value: Any) -> Story | None:
    try:
        return Story.model_validate(value)
    except ValidationError:
        return None


def _statement_id(after: Any) -> str | None:
    return after.get("id") if isinstance(after, dict) else None


# -- articles, statements and stances --------------------------------------------------------------
def _event_time(record: EnrichedArticle) -> datetime:
    return record.published or record.ingested_at


def _href(*candidates: str | None) -> str | None:
    for candidate in candidates:
        link = (candidate or "").strip()
        if link.lower().startswith(_LINK_PREFIXES):
            return link
    return None


def _ref(record: EnrichedArticle) -> ArticleRef:
    withdrawn = record.pubstatus if record.pubstatus in ("canceled", "withheld") else None
    return ArticleRef(uri=record.uri, headline=record.headline, href=_href(record.url, record.uri),
                      source=record.source_name, published=_event_time(record),
                      duplicate_of=record.duplicate_of, withdrawn=withdrawn)


def _participants(story: _Story, articles: list[EnrichedArticle]) -> tuple[Participant, ...]:
    """The story's participants (from its updates), else the actors its articles name; with a role."""
    roles: dict[str, str] = {}
    named: dict[str, str] = {}
    for article in articles:
        for actor in article.actors:
            named.setdefault(actor.id, actor.name)
            current = next((r for r in actor.roles if not r.former), None)
            if current is not None:
                roles.setdefault(actor.id, current.title)
    people = story.participants or named
    return tuple(Participant(id=i, name=n, role=roles.get(i)) for i, n in people.items())


def _stances_by_statement(article: EnrichedArticle) -> tuple[dict[str, list[Stance]], list[Stance]]:
    """Each stance on the statement it rests on (by id, or a span overlapping the holder's statement)."""
    attached: dict[str, list[Stance]] = {}
    loose: list[Stance] = []
    by_id = {s.id: s for s in article.statements if s.speaker is not None}
    for stance in article.stances:
        statement = by_id.get(stance.evidence) if isinstance(stance.evidence, str) else \
            _overlapping(article.statements, stance)
        if statement is None:
            loose.append(stance)
        else:
            attached.setdefault(statement.id, []).append(stance)
    return attached, loose


def _overlapping(statements: list[Statement], stance: Stance) -> Statement | None:
    if isinstance(stance.evidence, str):
        return None
    start, end = stance.evidence
    return next((s for s in statements if s.speaker is not None and s.speaker.id == stance.holder.id
                 and s.span[0] < end and start < s.span[1]), None)


def _note(stance: Stance) -> StanceNote:
    return StanceNote(holder=stance.holder.name, target=stance.target.name, target_kind=stance.target_kind,
                      polarity=stance.polarity, score=stance.score)


def _plain(text: str) -> str:
    """A statement's words for telling repeats apart: case, spacing, quote marks and punctuation ignored."""
    return " ".join(_WORD.findall(text.casefold()))

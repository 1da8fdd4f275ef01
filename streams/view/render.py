"""The analyst's page: a :class:`~streams.view.model.ViewSnapshot` rendered with jinja2, auto-escaped.

Article text is untrusted (any feed can put markup in a headline or a quote), so every value is
escaped by the template engine and links are only made to http(s)/urn/tag addresses (the model
decides). The page has no JavaScript framework: a few lines of script reload its body in place (so
the reader keeps the scroll position), and a ``<noscript>`` meta refresh does the same without script.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from schemas.codec import encode
from streams.view.model import ViewSnapshot

__all__ = ["TEMPLATES", "PageInfo", "render_json", "render_page"]

#: the folder of the page's templates (packaged with ``streams``)
TEMPLATES = Path(__file__).resolve().parent / "templates"

_CHANGE_LABEL = {"new_story": "New story", "new_participant": "Joined", "status_change": "Status",
                 "new_statement": "Statement", "new_detail": "Detail"}


@dataclass(frozen=True)
class PageInfo:
    """What the page says about where it reads from and how fresh it is."""

    #: the topics the view is folded from (full names)
    topics: tuple[str, ...] = ()
    #: the page reloads itself this often (seconds, at least 1)
    refresh_s: int = 15
    #: records that could not be read and were left out
    skipped: int = 0
    #: false while the view is still reading the topics from the beginning
    caught_up: bool = True
    #: why the topics cannot be read now (broker unreachable, topic missing), if so
    problem: str | None = None
    #: the Content-Security-Policy nonce of the page's own script and style, if the server sends one
    nonce: str | None = None
    generated_at: datetime | None = None


def render_page(snapshot: ViewSnapshot, info: PageInfo | None = None) -> str:
    """The HTML page of ``snapshot``: stories newest first with their timelines, and the latest alerts."""
    info = info or PageInfo()
    generated = info.generated_at or datetime.now(UTC)
    story_ids = {story.id for story in snapshot.stories}
    return _environment().get_template("page.html").render(
        view=snapshot, info=info, refresh_s=max(1, int(info.refresh_s)), generated=generated,
        story_ids=story_ids, change_label=_CHANGE_LABEL)


def render_json(snapshot: ViewSnapshot, info: PageInfo | None = None) -> bytes:
    """The same content as JSON (``/view.json``), with the page's status fields."""
    info = info or PageInfo()
    return encode({"stories": snapshot.stories, "alerts": snapshot.alerts, "folded": snapshot.folded,
                   "clock": snapshot.clock, "skipped": info.skipped, "caught_up": info.caught_up,
                   "problem": info.problem, "topics": info.topics})


@cache
def _environment() -> Environment:
    # autoescape everywhere, not only for .html: every value on the page may come from a feed
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, clock=_clock, signed=_signed)
    return env


def _when(at: datetime | None) -> str:
    """``23 Nov 2026 09:30 UTC``."""
    return at.astimezone(UTC).strftime("%d %b %Y %H:%M UTC") if at is not None else ""


def _clock(at: datetime) -> str:
    """``09:30:05 UTC``."""
    return at.astimezone(UTC).strftime("%H:%M:%S UTC")


def _signed(score: float) -> str:
    """``+0.70`` / ``\u22120.42``: a stance score as a reader writes it."""
    return f"{score:+.2f}".replace("-", "\u2212")

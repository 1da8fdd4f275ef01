"""``wirewatch web``'s runtime: records folded (bad ones counted), and the pages it serves."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from types import SimpleNamespace

from aiohttp.test_utils import TestClient, TestServer

from agents.settings import Settings
from agents.web import ViewFollower, create_web_app
from schemas import EnrichedArticle
from schemas.codec import encode

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _record(topic: str, value: bytes | None, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(topic=topic, partition=0, offset=offset, key=None, value=value)


def _follower() -> ViewFollower:
    follower = ViewFollower(Settings(topic_prefix="t."), logging.getLogger("wirewatch.test"))
    follower.caught_up = True
    return follower


def _article() -> bytes:
    return encode(EnrichedArticle(uri="urn:web:1", headline="Talks <b>open</b> in Muscat", published=NOW,
                                  extractor={}, ingested_at=NOW, processed_at=NOW, text_length=30,
                                  story_id="st-1", url="https://example.org/muscat"))


def test_follower_reads_the_three_prefixed_topics_and_counts_records_it_cannot_read() -> None:
    follower = _follower()
    assert sorted(follower.sources) == ["t.news.alerts", "t.news.articles.enriched", "t.news.events.updates"]
    assert follower._fold(follower.view, _record("t.news.articles.enriched", _article())) is True
    assert follower._fold(follower.view, _record("t.news.alerts", b"{not json", offset=1)) is False
    assert follower._fold(follower.view, _record("t.news.events.updates", b'{"id": "x"}', offset=2)) is False
    assert [s.title for s in follower.snapshot().stories] == ["Talks <b>open</b> in Muscat"]


async def test_the_page_is_served_with_a_content_security_policy_matching_its_nonce() -> None:
    follower = _follower()
    follower._fold(follower.view, _record("t.news.articles.enriched", _article()))
    async with TestClient(TestServer(create_web_app(follower, refresh_s=9))) as client:
        page = await client.get("/")
        html = await page.text()
        assert page.status == 200 and page.content_type == "text/html"
        nonce = re.search(r"script-src 'nonce-([^']+)'", page.headers["Content-Security-Policy"])
        assert nonce and f'<script nonce="{nonce.group(1)}">' in html
        assert "Talks &lt;b&gt;open&lt;/b&gt; in Muscat" in html and 'href="https://example.org/muscat"' in html

        health = await (await client.get("/health")).json()
        assert health == {"status": "ok", "caught_up": True, "problem": None, "folded": 1, "skipped": 0,
                          "stories": 1, "alerts": 0}
        data = await (await client.get("/view.json")).json()
        assert data["stories"][0]["id"] == "st-1"

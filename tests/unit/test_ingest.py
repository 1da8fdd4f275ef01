"""Feed ingestion's pure parts: the feeds file, RDF and JSON documents, seen items, back-off."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.webhooks import parse_retry_after
from schemas import Article
from schemas.errors import ConfigError
from streams.ingest.config import feed_from_url, load_feeds
from streams.ingest.feeds import read_document
from streams.ingest.fulltext import RobotsRules, main_text
from streams.ingest.schedule import Backoff
from streams.ingest.seen import judge

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://wire.example/rdf"><title>RDF Wire</title><link>https://wire.example/</link></channel>
  <item rdf:about="https://wire.example/talks-1">
    <title>Mediators meet in Doha</title><link>https://wire.example/talks-1</link>
    <description>Mediators met for six hours.</description><dc:date>2026-11-20T10:15:00+02:00</dc:date>
  </item>
</rdf:RDF>"""

RSS_OFFSET_DATE = b"""<rss version="2.0"><channel><title>W</title>
<item><guid isPermaLink="false">w-1</guid><title>Truce &amp; talks</title>
<description>&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two &lt;b&gt;bold&lt;/b&gt;.&lt;/p&gt;</description>
<pubDate>Fri, 20 Nov 2026 12:00:00 +0200</pubDate></item></channel></rss>"""


def test_rdf_items_use_their_about_uri_and_dates_are_normalised_to_utc() -> None:
    document = read_document(RDF)
    assert document.kind == "rss10" and document.error is None
    [item] = document.items
    assert item.article is not None
    assert item.article.uri == "https://wire.example/talks-1"
    assert item.article.published == datetime(2026, 11, 20, 8, 15, tzinfo=UTC)


def test_rss_dates_with_an_offset_become_utc_and_html_becomes_paragraphs() -> None:
    [item] = read_document(RSS_OFFSET_DATE).items
    assert item.article is not None
    assert item.article.published == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert (item.article.headline, item.article.body_text) == ("Truce & talks", "One.\n\nTwo bold.")


def test_json_documents_are_one_item_a_list_or_an_items_list() -> None:
    one = b'{"uri": "u1", "headline": "A", "body_text": "x"}'
    listed = b'[{"uri": "u1", "headline": "A"}, {"headline": "no uri"}]'
    wrapped = b'{"items": [{"uri": "u2", "headlines": [{"value": "B"}]}]}'
    assert [i.article.uri for i in read_document(one).items if i.article] == ["u1"]
    items = read_document(listed).items
    assert [i.location for i in items] == ["[0]", "[1]"]
    assert items[1].error is not None and items[1].error.reason == "invalid-article"
    assert [i.article.headline for i in read_document(wrapped).items if i.article] == ["B"]


def test_garbage_is_unreadable_not_a_crash() -> None:
    for garbage in (b"\x00\xff not a feed", b"<html><body>Oops</body></html>", b"{broken"):
        document = read_document(garbage)
        assert document.error is not None and not document.items, garbage


def test_a_rejected_feed_item_keeps_its_fields_as_json() -> None:
    [item] = read_document(b"<rss version='2.0'><channel><item><description>no title, no id</description>"
                           b"</item></channel></rss>").items
    assert item.article is None and item.error is not None and "'uri'" in str(item.error)
    assert b"no title, no id" in item.raw


def test_seen_items_are_new_unchanged_or_edited_with_the_next_version() -> None:
    article = Article(uri="u", headline="Talks open", body_text="Day one.")
    first = judge(article, None)
    assert first.result == "new" and first.record["version"] == 1
    assert judge(article, first.record).result == "unchanged"
    reflowed = article.model_copy(update={"body_text": "Day   one."})
    assert judge(reflowed, first.record).result == "unchanged"
    edited = judge(article.model_copy(update={"body_text": "Day one. Update: a truce."}), first.record)
    assert edited.result == "edited" and edited.article.version == "2" and edited.record["version"] == 2


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("120", now, float("inf")) == 120.0
    assert parse_retry_after("Tue, 01 Dec 2026 12:00:30 GMT", now, float("inf")) == 30.0
    assert parse_retry_after("soon", now, float("inf")) is None and parse_retry_after(None, now, float("inf")) is None


def test_backoff_doubles_with_jitter_honours_retry_after_and_resets() -> None:
    backoff, rng = Backoff(interval_s=10, max_s=100), random.Random(1)
    delays = [backoff.failure(rng=rng) for _ in range(5)]
    assert 10 <= delays[0] <= 20 and 20 <= delays[1] <= 40 and all(50 <= d <= 100 for d in delays[3:])
    assert backoff.failure(retry_after=90, rng=rng) >= 90
    assert backoff.failure(retry_after=10_000, rng=rng) <= 100
    assert backoff.success() == 10 and backoff.failures == 0


def test_feeds_file_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - url: https://a.example/rss\n  - url: ftp://b.example/rss\n    interval_s: 60\n")
    with pytest.raises(ConfigError, match=r"feeds.yaml:3: feeds\[1\]\.url: .*http"):
        load_feeds(path)
    path.write_text("feeds:\n  - url: https://a.example/rss\n    interval_s: 0.1\n")
    with pytest.raises(ConfigError, match=r"feeds.yaml:2: feeds\[0\]\.interval_s"):
        load_feeds(path)
    path.write_text("feeds:\n  - url: https://a.example/rss\n    colour: red\n")
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.colour"):
        load_feeds(path)


def test_feeds_file_defaults_and_labels(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - url: https://a.example/news/rss.xml\n  - url: https://b.example/x\n"
                    "    name: agency\n    full_text: true\n    headers: {Accept-Language: en}\n")
    first, second = load_feeds(path)
    assert (first.interval_s, first.full_text, first.label) == (300.0, False, "a.example/news/rss.xml")
    assert (second.label, second.full_text, second.headers) == ("agency", True, {"Accept-Language": "en"})
    with pytest.raises(ConfigError):
        feed_from_url("file:///etc/passwd")


def test_main_text_drops_navigation_and_robots_rules_apply() -> None:
    page = ("<html><body><nav>Home | World | Sport | Weather</nav><article><p>The envoys met in Oslo on Monday "
            "to discuss a ceasefire, officials said, and the talks lasted six hours.</p><p>Foreign Minister "
            "Anna Berg said she was hopeful about the negotiations.</p></article><footer>(c) 2026</footer>"
            "</body></html>")
    text = main_text(page)
    assert text is not None and "Anna Berg" in text and "Weather" not in text and "\n\n" in text
    rules = RobotsRules("User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n")
    assert not rules.allowed("wirewatch", "https://x.example/private/1")
    assert rules.allowed("wirewatch", "https://x.example/news/1") and rules.crawl_delay("wirewatch") == 3.0
    assert RobotsRules(None).allowed("wirewatch", "https://x.example/private/1")

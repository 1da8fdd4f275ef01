"""RSS 2.0 and Atom feeds become one article per item."""

from __future__ import annotations

from pathlib import Path

from agents.article_files import read_articles
from streams.ingest.feeds import items_from_feed

RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Sample Wire</title><link>https://example.org</link><language>en</language>
<item><title>Envoys meet in Oslo</title><link>https://example.org/a</link><guid>urn:sample:a</guid>
<description><![CDATA[<p>The envoys met on Monday.</p><p>Talks resume today.</p>]]></description>
<pubDate>Thu, 08 Aug 2024 19:20:58 GMT</pubDate><dc:creator>Desk</dc:creator></item>
<item><title>No identity at all</title></item>
</channel></rss>"""

ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
<entry><id>tag:example.org,2026:1</id><title>Truce holds</title><updated>2026-11-20T10:00:00Z</updated>
<link rel="alternate" href="https://example.org/1"/><summary type="html">&lt;b&gt;Quiet&lt;/b&gt; night.</summary>
<author><name>Desk</name></author></entry></feed>"""


def test_rss_items_become_articles_keyed_by_guid() -> None:
    [(loc, article, error), (bad_loc, missing, reason)] = list(items_from_feed(RSS))
    assert error is None and article is not None
    assert (article.uri, article.headline, article.url, article.byline) == (
        "urn:sample:a", "Envoys meet in Oslo", "https://example.org/a", "Desk")
    assert article.body_text == "The envoys met on Monday.\n\nTalks resume today."
    assert article.published is not None and article.published.isoformat() == "2024-08-08T19:20:58+00:00"
    assert article.source is not None and article.source.name == "Sample Wire"
    assert (bad_loc, missing) == ("item[1]", None) and reason is not None and "'uri'" in str(reason)


def test_atom_entries_use_id_summary_and_updated() -> None:
    [(_, article, error)] = list(items_from_feed(ATOM))
    assert error is None and article is not None
    assert (article.uri, article.body_text, article.url) == ("tag:example.org,2026:1", "Quiet night.", "https://example.org/1")
    assert article.published is not None


def test_entity_expansion_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel>&b;</channel></rss>'
    [(_, article, error)] = list(items_from_feed(bomb))
    assert article is None and error is not None


def test_feed_files_are_read_like_article_files(tmp_path: Path) -> None:
    path = tmp_path / "wire.xml"
    path.write_bytes(RSS)
    items = list(read_articles([str(path)]))
    assert [i.location for i in items] == [f"{path}#item[0]", f"{path}#item[1]"]
    assert items[0].article is not None and items[1].error is not None


def test_real_outlet_feeds_parse(eval_dir: Path) -> None:
    for path in sorted((eval_dir / "rss_real").glob("*.xml")):
        items = list(items_from_feed(path.read_bytes()))
        good = [article for _, article, _ in items if article is not None]
        assert good and len(good) >= len(items) - 1, path.name

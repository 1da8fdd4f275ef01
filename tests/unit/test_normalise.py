"""Native and IPTC ninjs 1.x/2.x/3.x input, and errors that name the field."""

from __future__ import annotations

import json

import pytest

from schemas.errors import InvalidArticleError, NotJsonError, NotUtf8Error, RecordTooLargeError
from streams.ingest.normalise import article_from_bytes, article_from_json, html_to_text


def test_native_article_is_accepted_as_is() -> None:
    article = article_from_json({"uri": "u1", "headline": "H", "body_text": "B", "published": "2026-11-27T08:00:00Z",
                                 "source": {"name": "Wire"}, "extra": "ignored"})
    assert (article.uri, article.headline, article.body_text, article.source.name if article.source else None) == (
        "u1", "H", "B", "Wire")


def test_ninjs_1x_uses_headline_body_text_and_versioncreated() -> None:
    item = {"uri": "n1", "type": "text", "headline": "H1", "body_text": "Body.", "versioncreated": "2013-07-09T10:37:00Z",
            "byline": "Desk", "located": "Rome"}
    article = article_from_json(item)
    assert (article.headline, article.body_text, article.byline) == ("H1", "Body.", "Desk")
    assert article.published is not None and article.published.year == 2013


def test_ninjs_2x_takes_main_headline_and_html_body_as_paragraphs() -> None:
    item = {"uri": "n2", "version": "3", "headlines": [{"role": "sub", "value": "Sub"}, {"role": "main", "value": "Main"}],
            "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>One &amp; two.</p><p>Three.</p>"}],
            "firstcreated": "2026-01-02T03:04:05Z", "pubstatus": "usable", "by": "Desk", "urgency": 3}
    article = article_from_json(item)
    assert article.headline == "Main"
    assert article.body_text == "One & two.\n\nThree."
    assert (article.version, article.pubstatus, article.urgency) == ("3", "usable", 3)


def test_ninjs_3x_camel_case_fields_are_read() -> None:
    item = {"uri": "n3", "headlines": [{"role": "main", "value": "H3"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": "Plain body."}],
            "versionCreated": "2026-05-01T00:00:00Z", "pubStatus": "withheld"}
    article = article_from_json(item)
    assert (article.body_text, article.pubstatus) == ("Plain body.", "withheld")
    assert article.published is not None


def test_normalised_native_record_reads_back_identically() -> None:
    item = {"uri": "n4", "headlines": [{"role": "main", "value": "H"}], "firstcreated": "2026-01-01T00:00:00Z",
            "pubstatus": "usable", "version": "2", "bodies": [{"contenttype": "text/plain", "value": "B"}]}
    article = article_from_json(item)
    again = article_from_json(json.loads(article.model_dump_json(exclude_none=True)))
    assert again == article


@pytest.mark.parametrize(
    ("raw", "error", "words"),
    [
        (b"\xff\xfe", NotUtf8Error, "UTF-8"),
        (b"{not json", NotJsonError, "not JSON"),
        (b"[1, 2]", InvalidArticleError, "JSON object"),
        (b'{"headline": "no uri"}', InvalidArticleError, "'uri'"),
        (b'{"uri": "u", "headline": 42}', InvalidArticleError, "'headline'"),
        (b'{"uri": "u", "headline": "h", "published": "tomorrow"}', InvalidArticleError, "'published'"),
        (b'{"uri": "u"}', InvalidArticleError, "headline or a body_text"),
    ],
)
def test_bad_input_raises_an_error_naming_the_problem(raw: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        article_from_bytes(raw, max_bytes=10_000)


def test_record_over_the_size_limit_is_rejected_before_parsing() -> None:
    with pytest.raises(RecordTooLargeError, match="2000 bytes"):
        article_from_bytes(b" " * 2000, max_bytes=1024)


def test_html_to_text_drops_scripts_and_keeps_block_structure() -> None:
    assert html_to_text("<div><p>A <b>bold</b> move.</p><script>x()</script><p>Next</p></div>") == "A bold move.\n\nNext"


def test_real_agency_ninjs_examples_normalise(eval_dir) -> None:  # type: ignore[no-untyped-def]
    files = sorted((eval_dir / "ninjs").glob("*/*.json"))
    assert files
    texts = 0
    for path in files:
        article = article_from_json(json.loads(path.read_text(encoding="utf-8")))
        assert article.uri
        texts += bool(article.body_text)
    assert texts >= len(files) // 2

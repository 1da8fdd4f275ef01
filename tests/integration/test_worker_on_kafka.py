"""End to end on a real Apache Kafka broker with real ``wirewatch`` processes."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import orjson
import pytest

from schemas import DeadLetter, EnrichedArticle
from tests.integration.conftest import REPO, Namespace, free_port

pytestmark = pytest.mark.integration

SAMPLES = [str(REPO / "samples" / "peace_talks.json"), str(REPO / "samples" / "ninjs_ceasefire.json")]
SAMPLE_URIS = {
    "urn:wirewatch:sample:geneva-talks-1",
    "urn:wirewatch:sample:delegation-2",
    "urn:wirewatch:sample:markets-3",
    "urn:wirewatch:sample:ninjs-ceasefire-4",
}


def _articles(tmp: Path, count: int, tag: str) -> Path:
    """A JSON-lines file of ``count`` small, distinct articles of our own."""
    lines = []
    for n in range(count):
        lines.append(orjson.dumps({
            "uri": f"urn:test:{tag}:{n}",
            "headline": f"Delegation number {n} arrives for talks",
            "body_text": f"Officials from delegation {n} met mediators on Monday.\n\n"
                         f"\"We are here to listen,\" said Anna Berg, who leads group {n}.",
            "published": "2026-11-20T10:00:00Z",
        }).decode())
    path = tmp / f"{tag}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_samples_flow_to_enriched_records_and_alerts(namespace: Namespace) -> None:
    namespace.worker()
    published = namespace.cli("publish", *SAMPLES)
    assert published.returncode == 0, published.stderr.decode()

    enriched = [EnrichedArticle.model_validate_json(r.value) for r in namespace.read("news.articles.enriched", 4)]
    assert {e.uri for e in enriched} == SAMPLE_URIS
    for record in enriched:
        assert record.processed_at >= record.ingested_at
        assert "wirewatch.actors.v1" in record.extractor
        assert all(0 <= s <= e <= record.text_length for a in record.actors for s, e in a.mentions)
    geneva = next(e for e in enriched if e.uri.endswith("geneva-talks-1"))
    assert "peace-talks" in geneva.topics
    assert any(a.name == "António Guterres" for a in geneva.actors)

    alerts = [orjson.loads(r.value) for r in namespace.read("news.alerts", 1, settle=5.0)]
    assert alerts, "the peace-talks sample must raise at least one alert"
    assert all(a["type"] == "statement.new" and a["topic"] in ("peace-talks", "ceasefire") for a in alerts)
    assert any(a["article_uri"].endswith("geneva-talks-1") for a in alerts)


def test_poison_messages_go_to_dead_letter_and_next_good_message_is_processed(namespace: Namespace) -> None:
    namespace.worker()
    bad = REPO / "samples" / "bad"
    originals = {}
    for name in ("not_json.txt", "not_utf8.bin", "wrong_type.json"):
        sent = namespace.cli("publish", "--raw", "--key", name, str(bad / name))
        assert sent.returncode == 0, sent.stderr.decode()
        originals[name] = (bad / name).read_bytes()
    good = namespace.cli("publish", str(_articles(namespace.tmp, 1, "after-poison")))
    assert good.returncode == 0, good.stderr.decode()

    letters = namespace.read("news.deadletter", 3)
    assert len(letters) == 3
    by_key = {r.key.decode(): r for r in letters}
    assert set(by_key) == set(originals)
    reasons = {}
    for key, record in by_key.items():
        assert record.value == originals[key], "dead letters carry the original bytes untouched"
        letter = DeadLetter.from_headers(record.headers)
        assert letter.source_topic == namespace.settings.topic("news.articles")
        assert letter.source_offset >= 0 and letter.stacktrace
        reasons[key] = letter.reason
    assert reasons == {"not_json.txt": "not-json", "not_utf8.bin": "not-utf8", "wrong_type.json": "invalid-article"}
    assert "headline" in DeadLetter.from_headers(by_key["wrong_type.json"].headers).message

    enriched = namespace.read("news.articles.enriched", 1)
    assert [orjson.loads(r.value)["uri"] for r in enriched] == ["urn:test:after-poison:0"]


def test_oversized_record_is_dead_lettered(namespace: Namespace) -> None:
    namespace.env["WIREWATCH_MAX_RECORD_BYTES"] = "2048"
    namespace.worker()
    big = namespace.tmp / "big.json"
    big.write_text(json.dumps({"uri": "urn:test:big", "headline": "Big", "body_text": "word " * 1000}))
    assert namespace.cli("publish", str(big)).returncode == 0
    [letter] = namespace.read("news.deadletter", 1)
    assert DeadLetter.from_headers(letter.headers).reason == "too-large"
    assert orjson.loads(letter.value)["uri"] == "urn:test:big"


def test_worker_killed_mid_stream_loses_no_article(namespace: Namespace) -> None:
    count = 60
    source = _articles(namespace.tmp, count, "kill")
    assert namespace.cli("publish", str(source)).returncode == 0
    first = namespace.worker()
    namespace.read("news.articles.enriched", 5)  # it is mid-stream now
    first.stop(signal.SIGKILL)

    namespace.worker()
    missing = namespace.missing_uris({f"urn:test:kill:{n}" for n in range(count)}, timeout=120)
    assert not missing, f"missing after SIGKILL and restart: {missing[:10]}"


def test_two_workers_share_partitions_and_a_rebalance_after_a_crash_loses_nothing(namespace: Namespace) -> None:
    count = 60
    first = namespace.worker()
    namespace.worker(WIREWATCH_WEB_PORT=str(free_port()), WIREWATCH_DATA_DIR=str(namespace.tmp / "faust2"))
    assert namespace.cli("publish", str(_articles(namespace.tmp, count, "rebalance"))).returncode == 0
    namespace.read("news.articles.enriched", 5)
    first.stop(signal.SIGKILL)  # its partitions move to the survivor after the session times out

    missing = namespace.missing_uris({f"urn:test:rebalance:{n}" for n in range(count)}, timeout=150)
    assert not missing, f"missing after the rebalance: {missing[:10]}"


def test_partitions_of_a_worker_killed_before_its_first_commit_are_read_from_the_start(namespace: Namespace) -> None:
    # the survivor takes over partitions with no committed offset; records it fetched and dropped
    # while the flow was stopped must be read again (aiokafka's seek_to_committed leaves them behind)
    count = 60
    first = namespace.worker(WIREWATCH_COMMIT_INTERVAL_S="600")
    namespace.worker(WIREWATCH_WEB_PORT=str(free_port()), WIREWATCH_DATA_DIR=str(namespace.tmp / "faust2"))
    assert namespace.cli("publish", str(_articles(namespace.tmp, count, "nocommit"))).returncode == 0
    namespace.read("news.articles.enriched", 5)
    first.stop(signal.SIGKILL)

    missing = namespace.missing_uris({f"urn:test:nocommit:{n}" for n in range(count)}, timeout=150)
    assert not missing, f"missing after the takeover: {missing[:10]}"


def test_worker_serves_prometheus_metrics(namespace: Namespace) -> None:
    worker = namespace.worker()
    assert namespace.cli("publish", str(_articles(namespace.tmp, 2, "metrics"))).returncode == 0
    namespace.read("news.articles.enriched", 2)
    text = worker.metrics()
    match = re.search(r"^wirewatch_articles_processed_total (\S+)$", text, re.MULTILINE)
    assert match and float(match.group(1)) == 2.0, text[:2000]
    # issue #10's list, each with its HELP line (README "Operating wirewatch")
    for name in ("wirewatch_messages_in_total", "wirewatch_messages_out_total", "wirewatch_dead_letters_total",
                 "wirewatch_extract_seconds", "wirewatch_ingest_to_enriched_seconds", "wirewatch_alerts_total",
                 "wirewatch_webhook_deliveries_total", "wirewatch_stories_open", "wirewatch_consumer_lag"):
        family = name.removesuffix("_total")
        assert re.search(rf"^# HELP {family}(_total)? \S", text, re.MULTILINE), f"no HELP for {name}"
    articles = namespace.settings.topic("news.articles")
    assert worker.metric("wirewatch_messages_in_total", topic=articles) == 2.0
    assert worker.metric("wirewatch_messages_out_total", topic=namespace.settings.topic("news.articles.enriched")) == 2.0
    assert worker.metric("wirewatch_stories_open") >= 1


def test_publish_rejects_bad_items_naming_location_and_field(namespace: Namespace) -> None:
    mixed = namespace.tmp / "mixed.jsonl"
    mixed.write_text('{"uri": "urn:test:ok", "headline": "Fine"}\n{"uri": "urn:test:bad", "published": "soon", '
                     '"headline": "x"}\nnot json\n')
    result = namespace.cli("publish", str(mixed))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert f"{mixed}:2: invalid-article" in err and "published" in err
    assert f"{mixed}:3: not-json" in err
    assert "published 1 record(s)" in err
    tailed = namespace.cli("tail", "articles", "--from-beginning", "--max", "1", "--timeout", "20")
    assert tailed.returncode == 0, tailed.stderr.decode()
    assert orjson.loads(tailed.stdout.splitlines()[0])["uri"] == "urn:test:ok"

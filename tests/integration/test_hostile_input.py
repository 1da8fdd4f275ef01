"""Property-based hostile input on the real broker: every record ends up enriched or dead-lettered.

Hypothesis generates batches of records (random bytes, invalid UTF-8, deep JSON, huge strings, wrong
types, ninjs with parts missing, empty values and tombstones, valid articles), each with or without
headers; one real worker processes them all. After each batch the counts must add up exactly:
inputs = enriched records (tombstones included) + dead letters, and the worker is still alive.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from agents.reader import TopicReader
from schemas import DeadLetter
from tests.integration.conftest import Namespace

pytestmark = pytest.mark.integration

_MAX_RECORD_BYTES = 65_536

_int64 = st.integers(-(2**63), 2**63 - 1)
_json_scalars = st.one_of(st.none(), st.booleans(), _int64, st.floats(allow_nan=False),
                          st.text(max_size=40))
_json_values = st.recursive(_json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


_ninjs = st.fixed_dictionaries(
    {"uri": st.just("PLACEHOLDER")},
    optional={
        "version": st.one_of(st.text(max_size=5), _int64),
        "headlines": st.lists(st.fixed_dictionaries({}, optional={"value": st.one_of(_words, st.none()),
                                                                   "role": st.text(max_size=8)}), max_size=2),
        "bodies": st.lists(st.fixed_dictionaries({}, optional={"value": st.one_of(_words, st.none()),
                                                                "contenttype": st.sampled_from(
                                                                    ["text/plain", "text/html", "x"])}),
                           max_size=2),
        "body_text": st.one_of(_words, st.none(), _int64),
        "pubstatus": st.sampled_from(["usable", "withheld", "canceled", "bogus"]),
        "firstcreated": st.one_of(st.just("2026-11-20T10:00:00Z"), st.text(max_size=10)),
        "language": st.one_of(st.just("en"), st.text(max_size=6)),
        "people": st.lists(_json_values, max_size=2),
    })

_valid = st.builds(lambda body: {"uri": "PLACEHOLDER", "headline": "Talks", "body_text":
                                 f"\"We will meet again,\" said Anna Berg. {body}"}, _words)

_value = st.one_of(
    st.binary(max_size=400),                                                               # random bytes
    st.binary(min_size=1, max_size=100).map(lambda b: b"\xff" + b),                        # invalid UTF-8
    st.integers(2, 3000).map(lambda depth: b"[" * depth + b"]" * depth),                   # deep JSON
    st.integers(40_000, 120_000).map(lambda n: _dumps({"uri": "PLACEHOLDER", "body_text": "x " * n})),  # huge
    _json_values.map(_dumps),                                                              # wrong types
    _ninjs.map(_dumps),                                                                    # ninjs, parts missing
    _valid.map(_dumps),                                                                    # valid articles
    st.sampled_from([b"", b"{}", b"null", b"\"\"", b"[]", b" ",                            # empty values
                     b'{"uri": "PLACEHOLDER", "version": 123456789012345678901234567890}']),  # a 97-bit int
    st.none(),                                                                             # tombstones
)
_headers = st.one_of(st.just([]), st.lists(
    st.tuples(st.text(min_size=1, max_size=10), st.one_of(st.none(), st.binary(max_size=20))), min_size=1, max_size=3))


def _with_uri(value: bytes | None, uri: str) -> bytes | None:
    return value.replace(b'"PLACEHOLDER"', orjson.dumps(uri)) if value is not None else None


def _settled_counts(namespace: Namespace, expected: int, timeout: float = 180.0) -> tuple[list[Any], list[Any]]:
    """Enriched records and dead letters, read until their sum reached ``expected`` and 3 s passed quietly."""
    return asyncio.run(_read_both(namespace, expected, timeout))


async def _read_both(namespace: Namespace, expected: int, timeout: float) -> tuple[list[Any], list[Any]]:
    enriched_topic = namespace.settings.topic("news.articles.enriched")
    found: dict[str, list[Any]] = {enriched_topic: [], namespace.settings.topic("news.deadletter"): []}
    deadline = time.monotonic() + timeout
    async with TopicReader(namespace.settings.kafka_client_options(), list(found), from_beginning=True) as reader:
        while sum(map(len, found.values())) < expected and time.monotonic() < deadline:
            async for record in reader.records(idle_timeout=1.0):
                found[record.topic].append(record)
                if sum(map(len, found.values())) >= expected:
                    break
        async for record in reader.records(idle_timeout=3.0):
            found[record.topic].append(record)
    enriched = found.pop(enriched_topic)
    [letters] = found.values()
    return enriched, letters


def test_hostile_input_is_all_enriched_or_dead_lettered(namespace: Namespace) -> None:
    worker = namespace.worker(WIREWATCH_MAX_RECORD_BYTES=str(_MAX_RECORD_BYTES), WIREWATCH_EXTRACT_TIMEOUT_S="20")
    sent: dict[bytes, bytes | None] = {}

    # no shrinking phase: each example costs seconds on the broker; a failure shows its whole batch
    @settings(max_examples=6, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(st.lists(st.tuples(_value, _headers), min_size=10, max_size=30))
    def batch_is_accounted_for(records: list[tuple[bytes | None, list[tuple[str, bytes | None]]]]) -> None:
        batch = []
        for value, headers in records:
            key = f"hostile-{len(sent)}".encode()
            value = _with_uri(value, key.decode())
            sent[key] = value
            batch.append((key, value, headers))
        namespace.produce("news.articles", batch)

        enriched, letters = _settled_counts(namespace, len(sent))
        assert worker.process is not None and worker.process.poll() is None, f"the worker died:\n{worker.log()}"
        assert len(enriched) + len(letters) == len(sent), (
            f"{len(sent)} sent, {len(enriched)} enriched + {len(letters)} dead-lettered")
        for letter in letters:
            assert letter.key in sent and letter.value == sent[letter.key], "dead letters keep key and bytes"
            assert DeadLetter.from_headers(letter.headers).reason, "every dead letter says why"
        ours = [r.key for r in enriched if r.key in sent]  # a random object may carry a uri of its own
        assert len(set(ours)) == len(ours), "no record is enriched twice"
        assert set(ours).isdisjoint({r.key for r in letters}), "no record is both enriched and dead-lettered"

    batch_is_accounted_for()
    status, body = worker.get("/live")
    enriched, letters = _settled_counts(namespace, len(sent))
    reasons = sorted({DeadLetter.from_headers(r.headers).reason for r in letters})
    print(f"\nhostile input: {len(sent)} records, {len(enriched)} enriched, {len(letters)} dead-lettered "
          f"({', '.join(reasons)})")
    assert status == 200, body

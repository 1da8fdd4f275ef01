"""The stories agent's runtime pieces: its input records and the table seen as a JSON store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.settings import Settings
from agents.stories import (
    TableStore,
    TrackerHolder,
    decode_story_input,
    encode_story_input,
    story_config,
)
from schemas import EnrichedArticle
from schemas.codec import encode
from schemas.errors import InputError
from streams.stories.features import text_features
from streams.stories.tracker import StoryTracker

_BODY = ("Iran and the United States will hold talks in Muscat on Thursday, Oman said.\n\n"
         "Omani mediators will shuttle between the two delegations, the ministry said.")


def _enriched(uri: str, headline: str = "Talks in Muscat") -> EnrichedArticle:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return EnrichedArticle(uri=uri, headline=headline, published=now, extractor={}, ingested_at=now,
                           processed_at=now, text_length=len(headline) + 2 + len(_BODY))


def test_story_input_round_trips_the_enriched_record_and_features() -> None:
    config = story_config(Settings())
    record, features = _enriched("urn:a"), text_features("Talks in Muscat", _BODY, config)
    decoded, decoded_features = decode_story_input(encode_story_input(encode(record), features))
    assert decoded == record
    assert decoded_features == features


@pytest.mark.parametrize("value", [b"", b"not json", b"{}", b'{"features": {}, "enriched": {"uri": 1}}'])
def test_a_record_that_is_not_a_stories_input_is_an_input_error(value: bytes) -> None:
    with pytest.raises(InputError):
        decode_story_input(value)


class _Table(dict[bytes, bytes]):
    """What the agent relies on of a Faust table: a mapping of raw bytes."""


def test_the_tracker_over_a_table_rebuilds_from_it_after_a_reset() -> None:
    config = story_config(Settings())
    table = _Table()
    holder = TrackerHolder(table, config)
    first = holder.tracker.observe(_enriched("urn:a"), text_features("Talks in Muscat", _BODY, config))
    holder.tracker.apply(first)
    assert table and all(isinstance(k, bytes) and isinstance(v, bytes) for k, v in table.items())

    holder.reset()  # a rebalance: the indexes are rebuilt from what the table holds
    replay = holder.tracker.observe(_enriched("urn:a"), text_features("Talks in Muscat", _BODY, config))
    assert replay.applied_before and not replay.updates
    copy = holder.tracker.observe(_enriched("urn:b", "Muscat talks set"),
                                  text_features("Muscat talks set", _BODY, config))
    assert copy.duplicate_of == "urn:a"
    # what `wirewatch stories` does: the same tracker over a plain copy of the state lists the same stories
    assert StoryTracker(dict(TableStore(table)), config).stories() == holder.tracker.stories()

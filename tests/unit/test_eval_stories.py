"""The story-tracking and near-duplicate evaluations: scoring, pair building, and runs on the real data."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from streams.evaluation import duplicates, stories
from streams.stories.config import StoryConfig
from streams.stories.features import text_features


def test_bcubed_and_pairwise_on_a_known_clustering() -> None:
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert stories.bcubed(gold, gold)["f1"] == 1.0
    merged = dict.fromkeys(gold, "one")
    scores = stories.bcubed(merged, gold)
    assert (scores["precision"], scores["recall"]) == (0.5, 1.0)
    split = {"a": "1", "b": "2", "c": "3", "d": "3"}
    assert stories.bcubed(split, gold)["precision"] == 1.0 and stories.bcubed(split, gold)["recall"] == 0.75
    pairs = stories.pairwise(split, gold)
    assert (pairs["precision"], pairs["recall"]) == (1.0, 0.5)


def test_edited_copy_applies_the_named_edits_and_stays_a_near_duplicate() -> None:
    paragraphs = tuple(f"Paragraph {n} says the storm hit coastal town number {n} hard on Tuesday. Crews worked late."
                       for n in range(8))
    text = duplicates.Text("t1", "Storm hits coast", paragraphs, "g", "test")
    other = duplicates.Text("t2", "Storm batters coast", ("Another report of the storm and its damage.",), "g", "test")
    rng = random.Random(3)
    for _ in range(20):
        headline, body, edits = duplicates.edited_copy(text, [other], rng)
        assert edits and set(edits) <= set(duplicates.EDITS)
        if "boilerplate" in edits:
            assert "(Reuters) -" in body and "Editing by" in body
        first = ("t1", text_features(text.headline, "\n\n".join(paragraphs), StoryConfig()))
        assert duplicates.is_duplicate(first, ("t1c", text_features(headline, body, StoryConfig())), StoryConfig())


def test_two_reports_of_one_story_are_not_duplicates() -> None:
    config = StoryConfig()
    first = ("a", text_features("Storm hits coast", "A storm hit the coast on Tuesday, cutting power to "
                                "thousands of homes, officials said. Crews worked through the night.", config))
    second = ("b", text_features("Thousands without power", "Utility crews in the region restored electricity "
                                 "to some households after Tuesday's storm; many remain in the dark.", config))
    assert not duplicates.is_duplicate(first, second, config)


@pytest.mark.eval
def test_ecbplus_reader_and_polnear_location(eval_dir: Path) -> None:
    rows = stories.read_ecbplus(eval_dir / "ecbplus" / "train_dev.jsonl")
    assert len(rows) == 772 and len({subtopic for _, _, subtopic in rows}) == 66
    assert duplicates.find_polnear(eval_dir / "ecbplus" / "train_dev.jsonl") == eval_dir / "polnear"
    assert duplicates.find_polnear(eval_dir) == eval_dir / "polnear"


@pytest.mark.eval
def test_tracker_beats_chance_on_two_ecbplus_topics(eval_dir: Path) -> None:
    from schemas import EnrichedArticle

    rows = [r for r in stories.read_ecbplus(eval_dir / "ecbplus" / "train_dev.jsonl") if r[1] in (3, 8)]
    config = StoryConfig()
    records = []
    for article, _, _ in rows:
        enriched = EnrichedArticle(uri=article.uri, headline=article.headline, published=None, extractor={},
                                   ingested_at=stories._START, processed_at=stories._START,
                                   text_length=len(article.text))
        records.append((enriched, text_features(article.headline, article.body_text, config)))
    gold = {article.uri: subtopic for article, _, subtopic in rows}
    result = stories.score_runs(records, gold, config, seeds=(1,))
    assert result["bcubed"]["f1"] > 0.6

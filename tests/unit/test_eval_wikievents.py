"""The WikiEvents evaluation: rebuilding the text, mapping KAIROS types, scoring, and a run on dev."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from streams.evaluation import wikievents as we

_DOC = {
    "doc_id": "tiny",
    "tokens": ["Police", "arrested", "him", ".", "He", "died", "."],
    "sentences": [
        [[["Police", 0, 6], ["arrested", 7, 15], ["him", 16, 19], [".", 19, 20]], "Police arrested him."],
        [[["He", 21, 23], ["died", 24, 28], [".", 28, 29]], "He died."],
    ],
    "entity_mentions": [],
    "event_mentions": [
        {"id": "E1", "event_type": "Justice.ArrestJailDetain.Unspecified",
         "trigger": {"start": 1, "end": 2, "text": "arrested", "sent_idx": 0}, "arguments": []},
        {"id": "E2", "event_type": "Life.Die.Unspecified",
         "trigger": {"start": 5, "end": 6, "text": "died", "sent_idx": 1}, "arguments": []},
    ],
}


def test_article_keeps_token_spacing_and_maps_triggers(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    path.write_text(json.dumps(_DOC) + "\n", encoding="utf-8")
    article, gold = we.article_for(we.read_documents(path)[0])
    assert article.body_text == "Police arrested him.\n\nHe died."
    assert [(article.text[g.start:g.end], g.group) for g in gold] == [
        ("arrested", "Justice.ArrestJailDetain"), ("died", None)]


def test_kairos_groups() -> None:
    assert we.kairos_group("Conflict.Attack.DetonateExplode") == "Conflict.Attack"
    assert we.kairos_group("Contact.Contact.Meet") == "Contact.Contact.Meet"
    assert we.kairos_group("Contact.Contact.Broadcast") is None


def test_scoring_identification_type_and_uncovered_exclusion() -> None:
    gold = [we.GoldTrigger(10, 18, "Justice.ArrestJailDetain", "Justice.ArrestJailDetain.Unspecified"),
            we.GoldTrigger(30, 34, None, "Life.Die.Unspecified"),
            we.GoldTrigger(40, 46, "Conflict.Attack", "Conflict.Attack.Unspecified")]
    predicted = [we.PredictedTrigger(10, 18, "COERCE"),   # right span, right type
                 we.PredictedTrigger(40, 46, "PROTEST"),  # right span, wrong type
                 we.PredictedTrigger(30, 34, "ASSAULT"),  # only on an uncovered gold trigger
                 we.PredictedTrigger(60, 65, "FIGHT")]    # nothing there
    result = we.score([(gold, predicted)])
    assert (result["trigger"]["precision"], result["trigger"]["recall"]) == (0.5, 1.0)
    assert (result["type"]["precision"], result["type"]["recall"]) == (0.25, 0.5)
    assert result["trigger_excluding_uncovered"]["predicted"] == 3
    assert result["per_type"]["Justice.ArrestJailDetain"]["f1"] == 1.0


@pytest.mark.eval
def test_dev_run_has_the_documented_shape() -> None:
    root = Path(__file__).resolve().parents[2]
    base = Path(os.environ.get("WIREWATCH_EVAL_DIR", root.parent / "shared" / "eval"))
    path = base / "wikievents" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present")
    from streams.pipeline import Pipeline
    from streams.resources import Resources

    result = we.evaluate(Pipeline(Resources()), path, lambda done, total: None)
    assert result["documents"] == 20 and result["gold_mentions_covered"] > 0
    assert 0.0 < result["type"]["f1"] <= result["trigger"]["f1"] <= 1.0


def test_split_is_deterministic_and_uses_both_halves() -> None:
    from streams.evaluation import wikievents as scorer

    names = [scorer.split_of(f"doc-{n}") for n in range(40)]
    assert names == [scorer.split_of(f"doc-{n}") for n in range(40)]
    assert set(names) == {"tune", "check"}

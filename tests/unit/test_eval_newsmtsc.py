"""The NewsMTSC evaluation: parsing, matching stances to the gold target, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas import ActorRef, Article, Stance
from schemas.errors import ConfigError
from streams.evaluation import newsmtsc
from tests.unit.scripted_pipeline import (
    ScriptedActor,
    ScriptedDoc,
    ScriptedPipeline,
    scripted_stance,
)


def _line(text: str, *targets: tuple[str, float]) -> str:
    items = []
    for mention, polarity in targets:
        start = text.index(mention)
        items.append({"from": start, "to": start + len(mention), "mention": mention, "polarity": polarity})
    return json.dumps({"primary_gid": "x", "sentence_normalized": text, "targets": items})


PRAISE = "Ana Ruiz praised Karl Weber for his patience."
BLAME = "Ana Ruiz blamed Karl Weber for the delay."
ARRIVE = "Karl Weber arrived in Geneva."


def _write(path: Path) -> Path:
    lines = [_line(PRAISE, ("Karl Weber", 6.0), ("Ana Ruiz", 4.0)),
             _line(BLAME, ("Karl Weber", 2.0)),
             _line(ARRIVE, ("Karl Weber", 4.0))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_items_keep_spans_and_map_polarity_codes(tmp_path: Path) -> None:
    sentences = newsmtsc.read_items(_write(tmp_path / "mt.jsonl"))
    assert [len(targets) for _, _, targets in sentences] == [2, 1, 1]
    line, text, targets = sentences[0]
    assert line == 1 and text[targets[0].span[0] : targets[0].span[1]] == "Karl Weber"
    assert [t.label for t in targets] == [2, 1]


def test_a_stance_on_the_target_gives_its_polarity_and_none_is_neutral(tmp_path: Path) -> None:
    offset = Article(uri="x", headline="", body_text=PRAISE).body_offset
    weber = (offset + PRAISE.index("Karl"), offset + PRAISE.index("Karl") + 10)
    blame_weber = (offset + BLAME.index("Karl"), offset + BLAME.index("Karl") + 10)
    answers = {
        PRAISE: ScriptedDoc([scripted_stance("ruiz", "weber", "positive", 0.8)], {"weber": ScriptedActor([weber])}),
        # the weak positive loses to the strong negative on the same target
        BLAME: ScriptedDoc([scripted_stance("ruiz", "weber", "positive", 0.2), scripted_stance("x", "weber", "negative", -0.9)],
                    {"weber": ScriptedActor([blame_weber])}),
    }
    result = newsmtsc.evaluate(ScriptedPipeline(answers), _write(tmp_path / "mt.jsonl"), lambda d, t: None)
    assert result["targets"] == 4
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert result["confusion"] == [[1, 0, 0], [0, 2, 0], [0, 0, 1]]


def test_a_stance_on_another_person_does_not_count(tmp_path: Path) -> None:
    offset = Article(uri="x", headline="", body_text=PRAISE).body_offset
    ruiz = (offset, offset + 8)
    answers = {PRAISE: ScriptedDoc([scripted_stance("weber", "ruiz", "negative", -0.7)], {"ruiz": ScriptedActor([ruiz])})}
    result = newsmtsc.evaluate(ScriptedPipeline(answers), _write(tmp_path / "mt.jsonl"), lambda d, t: None)
    # Ruiz (gold neutral) gets negative; Weber (gold positive) gets nothing, so neutral
    assert result["confusion"][1] == [1, 1, 0]
    assert result["confusion"][2] == [0, 1, 0]


def test_an_actor_without_mentions_matches_by_name(tmp_path: Path) -> None:
    answers = {BLAME: ScriptedDoc([scripted_stance("ruiz", "weber", "negative", -0.5)])}
    answers[BLAME].stances[0] = Stance(holder=ActorRef(id="r", name="Ana Ruiz"),
                                       target=ActorRef(id="w", name="Karl Weber"),
                                       polarity="negative", score=-0.5, evidence=(0, 1))
    result = newsmtsc.evaluate(ScriptedPipeline(answers), _write(tmp_path / "mt.jsonl"), lambda d, t: None)
    assert result["per_class"]["negative"]["recall"] == 1.0


def test_a_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_line(PRAISE, ("Karl Weber", 6.0)) + '\n{"sentence_normalized": "x"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:2"):
        newsmtsc.read_items(path)

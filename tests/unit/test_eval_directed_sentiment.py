"""The directed-sentiment evaluation: parsing, matching stances to the bracketed entities, scoring."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

from schemas import ActorRef, Stance
from streams.evaluation import directed_sentiment as ds
from streams.pipeline import DEFAULT_STAGES, Pipeline
from streams.registry import BUILTIN_STAGES
from streams.resources import Resources
from tests.unit.scripted_pipeline import (
    ScriptedActor,
    ScriptedDoc,
    ScriptedPipeline,
    scripted_stance,
)

ROWS = [
    "[Ana Ruiz] praised [Karl Weber] for his patience.\tAna Ruiz\tKarl Weber\t1",
    "[Karl Weber] was thanked by [Ana Ruiz] on Monday.\tKarl Weber\tAna Ruiz\t2",
    "[Ana Ruiz] blamed [Karl Weber] for the delay.\tAna Ruiz\tKarl Weber\t3",
    "[Karl Weber] was blamed by [Ana Ruiz] for the delay.\tKarl Weber\tAna Ruiz\t4",
    "[Ana Ruiz] and [Karl Weber] arrived in Geneva.\tAna Ruiz\tKarl Weber\t0",
]


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_rows_lose_brackets_and_keep_entity_spans(tmp_path: Path) -> None:
    rows = ds.read_rows(_write(tmp_path / "valid.txt", ROWS))
    assert len(rows) == 5
    first = rows[0]
    assert first.text == "Ana Ruiz praised Karl Weber for his patience."
    assert first.text[slice(*first.span1)] == "Ana Ruiz"
    assert first.text[slice(*first.span2)] == "Karl Weber"
    assert [r.label for r in rows] == [1, 2, 3, 4, 0]
    assert rows[0].line == 1


def test_entity_string_not_bracketed_verbatim_falls_back_to_group_order(tmp_path: Path) -> None:
    rows = ds.read_rows(_write(tmp_path / "v.txt", ["The [Ruiz]es met [Weber] twice.\tRuizes\tWeber\t0"]))
    assert rows[0].text == "The Ruizes met Weber twice."
    assert rows[0].text[slice(*rows[0].span1)] == "Ruiz"
    assert rows[0].text[slice(*rows[0].span2)] == "Weber"


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.txt", [ROWS[0], "no tabs here"])
    with pytest.raises(Exception, match=r"bad.txt:2"):
        ds.read_rows(path)


def test_scores_macro_f1_over_five_classes() -> None:
    result = ds.score([0, 1, 2, 3, 4, 0], [0, 1, 0, 3, 3, 0])
    assert result["accuracy"] == round(4 / 6, 4)
    assert result["per_class"]["2"] == {"name": "positive q->p", "precision": 0.0, "recall": 0.0, "f1": 0.0,
                                        "support": 1, "predicted": 0}
    assert result["per_class"]["3"]["precision"] == 0.5
    # F1: neutral 0.8, pos p->q 1, pos q->p 0, neg p->q 2/3, neg q->p 0
    assert result["macro_f1"] == round((0.8 + 1 + 0 + 2 / 3 + 0) / 5, 4)
    assert result["confusion"][4][3] == 1


def test_direction_follows_holder_and_largest_score_wins(tmp_path: Path) -> None:
    path = _write(tmp_path / "valid.txt", ROWS[:2])
    first, second = (r.text for r in ds.read_rows(path))
    # offsets are into "\n\n" + sentence: Ana Ruiz at 2..10, Karl Weber at 19..29 in the first row
    answers = {
        first: ScriptedDoc([scripted_stance("ana", "karl", "negative", -0.2), scripted_stance("ana", "karl", "positive", 0.9)],
                    {"ana": ScriptedActor([(2, 10)]), "karl": ScriptedActor([(19, 29)])}),
        second: ScriptedDoc([scripted_stance("Ana Ruiz", "Karl Weber", "positive", 0.5)]),  # no mentions: name match
    }
    result = ds.evaluate(ScriptedPipeline(answers), path, lambda done, total: None)
    assert result["per_class"]["1"]["predicted"] == 1
    assert result["per_class"]["2"]["predicted"] == 1
    assert result["accuracy"] == 1.0


def test_topic_stances_and_unmatched_actors_predict_neutral(tmp_path: Path) -> None:
    path = _write(tmp_path / "valid.txt", ROWS[2:3])
    text = ds.read_rows(path)[0].text
    topic = Stance(holder=ActorRef(id="ana", name="Ana Ruiz"), target=ActorRef(id="topic:x", name="Karl Weber"),
                   target_kind="topic", polarity="negative", score=-1, evidence=(0, 1))
    elsewhere = scripted_stance("ana", "other", "negative", -0.9)
    answers = {text: ScriptedDoc([topic, elsewhere], {"ana": ScriptedActor([(2, 10)]), "other": ScriptedActor([(40, 45)])})}
    result = ds.evaluate(ScriptedPipeline(answers), path, lambda done, total: None)
    assert result["per_class"]["0"]["predicted"] == 1


def test_unseen_rows_exclude_sentences_in_train(tmp_path: Path) -> None:
    path = _write(tmp_path / "valid.txt", ROWS)
    _write(tmp_path / "train.txt", ["[Ana Ruiz] blamed Karl [Weber] for the delay.\tAna Ruiz\tWeber\t3"])
    result = ds.evaluate(ScriptedPipeline({}), path, lambda done, total: None)
    assert result["rows"] == 5
    assert result["unseen"]["rows"] == 4
    assert set(result) >= {"dataset", "path", "rows", "macro_f1", "accuracy", "per_class", "unseen", "seconds"}


def test_without_train_file_unseen_is_null_and_explained(tmp_path: Path) -> None:
    path = _write(tmp_path / "valid.txt", ROWS)
    calls: list[tuple[int, int]] = []
    result = ds.evaluate(ScriptedPipeline({}), path, lambda done, total: calls.append((done, total)))
    assert result["unseen"] is None
    assert "train" in result["unseen_note"]
    assert calls[-1] == (5, 5)


def test_real_pipeline_finds_clear_verb_stances(tmp_path: Path) -> None:
    kb = tmp_path / "actors.yaml"
    kb.write_text("version: 1\nactors:\n"
                  "  - {id: ww:person:ana-ruiz, name: Ana Ruiz, type: person, aliases: [Ruiz]}\n"
                  "  - {id: ww:person:karl-weber, name: Karl Weber, type: person, aliases: [Weber]}\n",
                  encoding="utf-8")
    pipeline = Pipeline(Resources(actors_file=kb), _available_stages())
    result = ds.evaluate(pipeline, _write(tmp_path / "valid.txt", ROWS), lambda done, total: None,
                         train_path=tmp_path / "absent.txt")
    assert result["per_class"]["3"]["recall"] == 1.0
    assert result["per_class"]["4"]["recall"] == 1.0


def _available_stages() -> list[str]:
    return [s for s in DEFAULT_STAGES if importlib.util.find_spec(BUILTIN_STAGES[s]) is not None]


def _eval_dir() -> Path:
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("WIREWATCH_EVAL_DIR", root.parent / "shared" / "eval"))


@pytest.mark.eval
def test_valid_split_metrics_have_the_documented_shape() -> None:
    path = _eval_dir() / "directed_sentiment" / "valid.txt"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    result: dict[str, Any] = ds.evaluate(Pipeline(Resources(), _available_stages()), path, lambda d, t: None)
    assert result["dataset"] == "directed-sentiment"
    assert result["rows"] > 0
    for block in (result, result["unseen"]):
        assert 0.0 <= block["macro_f1"] <= 1.0
        assert 0.0 <= block["accuracy"] <= 1.0
        assert set(block["per_class"]) == {"0", "1", "2", "3", "4"}
        assert sum(c["support"] for c in block["per_class"].values()) == block["rows"]
    assert 0 < result["unseen"]["rows"] <= result["rows"]
    assert result["seconds"] >= 0

"""The PLOVER evaluation: reading records, picking the predicted event, scoring, and a run on the set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from schemas import Event
from schemas.errors import ConfigError
from streams.evaluation import plover

_RECORDS = [
    {"id": "DOC", "event": "DOCUMENT", "comment": "skipped"},
    {"id": "A1", "date": "2000-01-05", "event": "CONSULT", "text": "Iran met Iraq.",
     "source": [{"actorText": "Iran", "code": "IRN"}], "target": [{"actorText": "Iraq", "code": "IRQ"}]},
    {"id": "A2", "date": "2000-01-05", "event": "REJECT", "text": "Syria refused.",
     "source": [{"actorText": "Syria", "code": "SYR"}], "target": ""},
]


def _event(event_type: str, confidence: float, start: int) -> Event:
    return Event(id=f"{event_type}{start}", type=event_type, confidence=confidence, trigger="t",  # type: ignore[arg-type]
                 mentions=[(start, start + 1)])


def test_records_skip_the_document_and_tolerate_a_string_target(tmp_path: Path) -> None:
    path = tmp_path / "gsr.json"
    path.write_text(json.dumps(_RECORDS), encoding="utf-8")
    records = plover.read_records(path)
    assert [r.id for r in records] == ["A1", "A2"]
    assert records[0].sources == {"IRN"} and records[1].targets == frozenset()
    article = plover.article_for(records[0])
    assert article.body_text == "Iran met Iraq." and article.published is not None
    assert article.published.date().isoformat() == "2000-01-05"


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gsr.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="gsr.json"):
        plover.read_records(path)


def test_pick_ignores_statements_and_prefers_confidence_then_position() -> None:
    events = [_event("STATEMENT", 0.99, 0), _event("CONSULT", 0.6, 5), _event("AGREE", 0.8, 9),
              _event("REJECT", 0.8, 20)]
    chosen = plover.pick(events)
    assert chosen is not None and chosen.type == "AGREE"
    assert plover.pick([_event("STATEMENT", 0.9, 0)]) is None


def test_score_counts_missing_predictions_as_wrong() -> None:
    consult = plover.PloverRecord("1", "t", None, "CONSULT", frozenset({"IRN"}), frozenset({"IRQ"}))
    reject = plover.PloverRecord("2", "t", None, "REJECT", frozenset({"SYR"}), frozenset())
    result = plover.score([
        (consult, plover.Prediction("CONSULT", frozenset({"IRN"}), frozenset({"USA"}), frozenset({"CONSULT"}))),
        (reject, plover.Prediction(None)),
    ])
    assert (result["type_accuracy"], result["coverage"], result["accuracy_when_predicted"]) == (0.5, 0.5, 1.0)
    assert result["source_country_match"] == 0.5
    assert (result["recipient_country_match"], result["records_with_target"]) == (0.0, 1)
    assert result["per_type"]["REJECT"]["recall"] == 0.0
    assert result["per_type"]["CONSULT"]["f1"] == 1.0


@pytest.mark.eval
def test_gold_standard_run_has_the_documented_shape() -> None:
    root = Path(__file__).resolve().parents[2]
    base = Path(os.environ.get("WIREWATCH_EVAL_DIR", root.parent / "shared" / "eval"))
    path = base / "plover_gsr" / "PLOVER_GSR_CAMEO.json"
    if not path.exists():
        pytest.skip(f"{path} not present")
    from streams.pipeline import Pipeline
    from streams.resources import Resources

    result = plover.evaluate(Pipeline(Resources()), path, lambda done, total: None)
    assert result["records"] == 322
    assert 0.0 < result["type_accuracy"] <= result["accuracy_when_predicted"] <= 1.0
    assert 0.0 < result["coverage"] <= 1.0


def test_split_is_by_the_parity_of_the_trailing_id_number() -> None:
    assert plover.split_of("PLOVER-GSR01-AGREE-0003") == "tune"
    assert plover.split_of("PLOVER-GSR01-AGREE-0004") == "check"
    assert plover.split_of("no-number") == "check"

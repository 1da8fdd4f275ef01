"""The MiniLM polarity model shipped in streams/data: loading, marking, windowing, clear cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from schemas import Article, Stance
from schemas.errors import ConfigError
from streams.pipeline import Pipeline
from streams.resources import Resources
from streams.stance.neural import DEFAULT_POLARITY_MODEL_FILE, TARGET_CLASSES, PolarityModel
from streams.stance.pairs import CLASSES


@pytest.fixture(scope="module")
def model() -> PolarityModel:
    return PolarityModel.load(cache_size=0)


def _spans(text: str, first: str, second: str) -> tuple[str, tuple[int, int], tuple[int, int]]:
    a = text.index(first)
    b = text.index(second, a + len(first))
    return text, (a, a + len(first)), (b, b + len(second))


def _target(text: str, name: str) -> tuple[str, tuple[int, int]]:
    start = text.index(name)
    return text, (start, start + len(name))


def test_the_model_loads_and_answers_batches_in_input_order(model: PolarityModel) -> None:
    short = _spans("Ana Ruiz praised Karl Weber.", "Ana Ruiz", "Karl Weber")
    long = _spans("Ana Ruiz, who returned from a long tour of the northern provinces on Sunday evening, "
                  "condemned Karl Weber.", "Ana Ruiz", "Karl Weber")
    together = model.pairs([short, long])
    assert together.shape == (2, len(CLASSES))
    assert np.allclose(together.sum(axis=1), 1.0, atol=1e-4)
    # int8 dynamic quantisation scales activations per batch: close, not bit-identical
    assert np.allclose(together[1], model.pairs([long])[0], atol=0.02)
    assert model.targets([_target("Karl Weber spoke.", "Karl Weber")]).shape == (1, len(TARGET_CLASSES))
    assert model.pairs([]).shape == (0, len(CLASSES))


def test_repeated_rows_come_from_the_cache_and_the_oldest_are_dropped_first() -> None:
    cached = PolarityModel.load(cache_size=2)
    rows = [_spans(f"Ana Ruiz praised Karl Weber on day {n}.", "Ana Ruiz", "Karl Weber") for n in range(3)]
    first = cached.pairs(rows[:2])
    assert (cached.cache_hits, cached.cache_misses) == (0, 2)
    again = cached.pairs([rows[1], rows[0]])
    assert (cached.cache_hits, cached.cache_misses) == (2, 2)
    assert np.array_equal(again, first[::-1])
    cached.pairs([rows[2]])  # evicts the least recently used: rows[1]
    cached.pairs([rows[1]])
    assert (cached.cache_hits, cached.cache_misses) == (2, 4)
    # a pair and a target row of one text are different rows
    cached.targets([_target(rows[0][0], "Karl Weber")])
    assert cached.cache_misses == 5


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Senator Ana Ruiz praised Karl Weber for his leadership during the crisis.", "positive-ab"),
    ("Senator Ana Ruiz condemned Karl Weber, calling his remarks disgraceful.", "negative-ab"),
    ("Karl Weber was sharply criticised by Ana Ruiz on Tuesday.", "negative-ba"),
    ("Ana Ruiz and Karl Weber arrived in Geneva on Monday.", "neutral"),
])
def test_clear_pairs_come_out_right(model: PolarityModel, sentence: str, expected: str) -> None:
    first, second = ("Karl Weber", "Ana Ruiz") if sentence.startswith("Karl") else ("Ana Ruiz", "Karl Weber")
    (row,) = model.pairs([_spans(sentence, first, second)])
    index, _ = model.decide_pair(row)
    assert CLASSES[index] == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Critics said Karl Weber lied to voters and should resign in disgrace.", "negative"),
    ("Supporters hailed Karl Weber as a hero who saved thousands of jobs.", "positive"),
    ("Karl Weber will travel to Geneva on Monday.", "neutral"),
])
def test_clear_targets_come_out_right(model: PolarityModel, sentence: str, expected: str) -> None:
    (row,) = model.targets([_target(sentence, "Karl Weber")])
    index, _ = model.decide_target(row)
    assert TARGET_CLASSES[index] == expected


def test_a_long_text_keeps_both_mentions_inside_the_window(model: PolarityModel) -> None:
    filler = " ".join(["the committee met again"] * 60)
    text, a, b = _spans(f"Ana Ruiz said {filler} and then praised Karl Weber.", "Ana Ruiz", "Karl Weber")
    encoded = model.encoder.encode(text, a, b)
    tokenizer_markers = model.encoder.markers
    assert len(encoded.ids) <= model.encoder.max_length
    vocabulary = model.encoder._tokenizer
    assert vocabulary.id_to_token(encoded.ids[encoded.a_index]) == tokenizer_markers[0][0]
    assert vocabulary.id_to_token(encoded.ids[encoded.b_index]) == tokenizer_markers[1][0]


def test_a_missing_model_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere.onnx"):
        PolarityModel.load(tmp_path / "nowhere.onnx")


def test_a_broken_model_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx graph")
    meta = json.loads(DEFAULT_POLARITY_MODEL_FILE.with_suffix(".json").read_text(encoding="utf-8"))
    broken.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.copyfile(DEFAULT_POLARITY_MODEL_FILE.with_name(meta["tokenizer"]), tmp_path / meta["tokenizer"])
    with pytest.raises(ConfigError, match="broken.onnx"):
        PolarityModel.load(broken)


def test_the_metadata_records_how_the_model_was_made() -> None:
    meta = json.loads(DEFAULT_POLARITY_MODEL_FILE.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["command"].startswith("python scripts/train_polarity.py")
    assert meta["pair_classes"] == list(CLASSES) and meta["target_classes"] == list(TARGET_CLASSES)
    assert DEFAULT_POLARITY_MODEL_FILE.stat().st_size < 25_000_000


# -- in the stance stage ---------------------------------------------------------------------------
KB = """\
version: 1
actors:
  - {id: ww:person:ana-ruiz, name: Ana Ruiz, type: person, aliases: [Ruiz]}
  - {id: ww:person:karl-weber, name: Karl Weber, type: person, aliases: [Weber]}
"""


@pytest.fixture(scope="module")
def stances(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("kb") / "actors.yaml"
    path.write_text(KB, encoding="utf-8")
    stages = ["wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.statements.v1", "wirewatch.topics.v1",
              "wirewatch.stance.v1"]
    pipeline = Pipeline(Resources(actors_file=path, stance_polarity_model_file=DEFAULT_POLARITY_MODEL_FILE),
                        stages)

    def run(body: str) -> list[Stance]:
        return pipeline.extract(Article(uri="test:neural", headline="", body_text=body)).stances

    return run


def test_the_model_decides_a_pair_no_voice_rule_covers(stances) -> None:
    found = stances("Ana Ruiz, speaking at a rally on Sunday, heaped scorn on Karl Weber and his "
                    "disastrous record.")
    pair = [s for s in found if s.holder.id == "ww:person:ana-ruiz" and s.target.id == "ww:person:karl-weber"]
    assert [s.polarity for s in pair] == ["negative"]


def test_a_speaker_gets_a_stance_toward_the_person_the_statement_names(stances) -> None:
    body = ("The campaign turned bitter on Tuesday.\n\n"
            "\u201cKarl Weber is a liar and a fraud who has betrayed every voter in this state,\u201d "
            "Ana Ruiz said.")
    found = [s for s in stances(body) if s.holder.id == "ww:person:ana-ruiz"
             and s.target.id == "ww:person:karl-weber"]
    assert found and found[0].polarity == "negative"
    assert isinstance(found[0].evidence, str)

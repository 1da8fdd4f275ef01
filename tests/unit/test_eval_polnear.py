"""The PolNeAR evaluation: brat parsing, content kinds, matching, speakers, and a run on dev."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from schemas import ActorRef, Article, Statement
from schemas.errors import ConfigError
from streams.evaluation import polnear
from streams.nlp import Entity
from streams.pipeline import Pipeline
from streams.resources import Resources

_TEXT = (
    "Mayor Lena Ortiz said the bridge would reopen in May.\n\n"
    '"We are ready," Ortiz said. "The work is done."\n\n'
    'Ortiz called the plan "a bargain" for the city.\n\n'
    "The council, its chair said, had approved\nthe budget."
)


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = _TEXT.index(part, after)
    return start, start + len(part)


def _ann() -> str:
    """A first-annotator file: 4 attributions, a discontinuous quote, a content across lines."""
    src1, cue1, con1 = (
        _span(_TEXT, "Mayor Lena Ortiz"),
        _span(_TEXT, "said"),
        _span(_TEXT, "the bridge would reopen in May"),
    )
    q1, q2 = _span(_TEXT, '"We are ready,"'), _span(_TEXT, '"The work is done."')
    src2, cue2 = _span(_TEXT, "Ortiz", q1[1]), _span(_TEXT, "said", q1[1])
    src3, cue3 = _span(_TEXT, "Ortiz", q2[1]), _span(_TEXT, "called")
    con3 = _span(_TEXT, 'the plan "a bargain" for the city')
    council, approved = _span(_TEXT, "The council"), _span(_TEXT, "had approved\nthe budget")
    src4, cue4 = _span(_TEXT, "its chair"), _span(_TEXT, "said", council[1])

    def t(n: int, label: str, *spans: tuple[int, int]) -> str:
        offsets = ";".join(f"{s} {e}" for s, e in spans)
        surface = " ".join(_TEXT[s:e] for s, e in spans)
        return f"T{n}\t{label} {offsets}\t{surface}"

    lines = [
        t(1, "Source", src1),
        t(2, "Cue", cue1),
        t(3, "Content", con1),
        t(4, "Attribution", cue1),
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        t(5, "Source", src2),
        t(6, "Cue", cue2),
        t(7, "Content", q1, q2),
        t(8, "Attribution", cue2),
        "E2\tAttribution:T8 Content:T7 Cue:T6 Source:T5",
        t(9, "Source", src3),
        t(10, "Cue", cue3),
        t(11, "Content", con3),
        t(12, "Attribution", cue3),
        "E3\tAttribution:T12 Cue:T10 Source:T9 Content:T11",
        # the content continues on the next .ann line because its span text holds a newline
        t(13, "Source", src4),
        t(14, "Cue", cue4),
        t(15, "Content", council),
        t(16, "Content", approved),
        t(17, "Attribution", cue4),
        "E4\tAttribution:T17 Cue:T14 Source:T13 Content:T15 Content2:T16",
        "#1\tAnnotatorNotes T3\tchecked",
        "E5\tAttribution-no-source:T17 ",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def split(tmp_path: Path) -> Path:
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "bridge.txt").write_text(_TEXT, encoding="utf-8")
    (tmp_path / "attributions" / "bridge_a1.ann").write_text(_ann(), encoding="utf-8")
    # a second annotator that must be ignored (only the first file by name counts)
    (tmp_path / "attributions" / "bridge_b2.ann").write_text("", encoding="utf-8")
    (tmp_path / "text" / "unannotated.txt").write_text("No attributions here.", encoding="utf-8")
    return tmp_path


def test_parse_ann_joins_continuation_lines_and_keeps_fragments() -> None:
    gold = polnear.parse_ann(_ann())
    assert len(gold) == 4  # E5 has no content and is skipped
    quote = gold[1]
    assert [_TEXT[s:e] for s, e in quote.content] == ['"We are ready,"', '"The work is done."']
    assert quote.source_text == "Ortiz"
    assert quote.cue_text == "said"
    council = gold[3]
    assert [_TEXT[s:e] for s, e in council.content] == ["The council", "had approved\nthe budget"]
    assert council.source_text == "its chair"


def test_parse_ann_relation_without_source() -> None:
    ann = (
        "T1\tCue 0 4\tsaid\nT2\tContent 5 9\tthis\nE1\tAttribution-no-source:T1 Content:T2 Cue:T1\n"
    )
    gold = polnear.parse_ann(ann)
    assert len(gold) == 1
    assert gold[0].source == () and gold[0].source_text == ""
    assert gold[0].content == ((5, 9),)


def test_content_kinds_direct_mixed_indirect() -> None:
    gold = polnear.parse_ann(_ann())
    regions = polnear.quote_regions(_TEXT)
    kinds = [polnear.content_kind(_TEXT, g.content, regions) for g in gold]
    assert kinds == ["indirect", "direct", "mixed", "indirect"]


def test_unclosed_quote_runs_to_the_end_of_its_line() -> None:
    text = "\u201cFirst part of it\n\n\u201cSecond.\u201d\nand ''third''"
    assert [text[s:e] for s, e in polnear.quote_regions(text)] == [
        "\u201cFirst part of it",
        "\u201cSecond.\u201d",
        "''third''",
    ]


def test_matching_is_one_to_one_by_largest_overlap() -> None:
    gold = [
        polnear.GoldAttribution(content=((0, 10),)),
        polnear.GoldAttribution(content=((20, 30), (40, 45))),
    ]
    matches = polnear.match_statements([(5, 25), (0, 8), (41, 60)], gold)
    # (1, 0) has the largest overlap; prediction 0 then takes gold 1 (5 > 4): prediction 2 is left
    assert sorted((m.predicted, m.gold, m.overlap) for m in matches) == [(0, 1, 5), (1, 0, 8)]


def test_named_source_and_speaker_agreement() -> None:
    entities = [(6, 16, "PERSON"), (30, 35, "DATE")]
    assert polnear.is_named_source([(0, 16)], entities)
    assert not polnear.is_named_source([(30, 40)], entities)
    assert polnear.speaker_agrees("Mayor Lena Ortiz", "Lena Ortiz", None)
    assert polnear.speaker_agrees("Mr. Trump's campaign", None, "Trump")
    assert not polnear.speaker_agrees("Mr. Trump", "Mr. Obama", "he")
    assert not polnear.speaker_agrees("the president", None, "President Smith")


@dataclass
class _FakeDoc:
    text: str
    statements: list[Statement]
    entities: list[Entity] = field(default_factory=list)


class _FakePipeline:
    """Predicts fixed statements (offsets into the pipeline text, i.e. body offset 2)."""

    def analyse(self, article: Article) -> _FakeDoc:
        text = article.text
        if "bridge" not in text:
            return _FakeDoc(text, [])
        shift = article.body_offset

        def statement(
            part: str, speaker: ActorRef | None, speaker_span: tuple[int, int] | None
        ) -> Statement:
            start, end = _span(_TEXT, part)
            return Statement(
                id=part[:8],
                speaker=speaker,
                content=part,
                kind="indirect",
                cue=None,
                span=(start + shift, end + shift),
                speaker_span=speaker_span,
                confidence=0.5,
            )

        ortiz = _span(_TEXT, "Lena Ortiz")
        second_ortiz = _span(_TEXT, "Ortiz", _TEXT.index('"We'))
        entities = [
            Entity(ortiz[0] + shift, ortiz[1] + shift, "PERSON", "Lena Ortiz"),
            Entity(second_ortiz[0] + shift, second_ortiz[1] + shift, "PERSON", "Ortiz"),
        ]
        return _FakeDoc(
            text,
            [
                statement("bridge would reopen", ActorRef(id="ww:1", name="Lena Ortiz"), None),
                statement('"We are ready,"', ActorRef(id="ww:2", name="Pat Lee"), None),
                statement("Mayor", None, None),
            ],
            entities,
        )


def test_evaluate_scores_a_tiny_split(split: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = polnear.evaluate(
        _FakePipeline(), split, lambda done, total: calls.append((done, total))
    )
    assert calls == [(1, 1)]
    assert result["articles"] == 1
    assert (result["gold"], result["predicted"]) == (4, 3)
    # "Mayor" overlaps the source, not the content: a false positive
    assert result["precision"] == round(2 / 3, 4)
    assert result["recall"] == 0.5
    assert result["f1"] == round(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), 4)
    assert (result["gold_direct"], result["gold_mixed"], result["gold_indirect"]) == (1, 1, 2)
    assert (result["recall_direct"], result["recall_mixed"], result["recall_indirect"]) == (
        1.0,
        0.0,
        0.5,
    )
    assert result["speaker_named_found"] == 2
    assert result["speaker_accuracy"] == 0.5


def test_evaluate_rejects_a_folder_that_is_not_a_split(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a PolNeAR split"):
        polnear.evaluate(_FakePipeline(), tmp_path, lambda done, total: None)


_KB = "actors: []\n"
_KEYS = {
    "dataset",
    "path",
    "articles",
    "gold",
    "predicted",
    "precision",
    "recall",
    "f1",
    "recall_direct",
    "recall_mixed",
    "recall_indirect",
    "gold_direct",
    "gold_mixed",
    "gold_indirect",
    "speaker_accuracy",
    "speaker_actor_accuracy",
    "speaker_actor_missing",
    "speaker_named_found",
    "seconds",
    "articles_per_s",
}


@pytest.mark.eval
def test_polnear_dev_run_has_the_documented_shape(eval_dir: Path, tmp_path: Path) -> None:
    dev = eval_dir / "polnear" / "dev"
    if not dev.is_dir():
        pytest.skip(f"PolNeAR dev split not found at {dev}")
    kb = tmp_path / "actors.yaml"
    kb.write_text(_KB, encoding="utf-8")
    pipeline = Pipeline(
        Resources(actors_file=kb),
        stages=("wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.statements.v1"),
    )
    result = polnear.evaluate(pipeline, dev, lambda done, total: None)
    assert set(result) == _KEYS
    assert result["dataset"] == "polnear"
    assert result["articles"] > 0 and result["gold"] > 0
    for key in (
        "precision",
        "recall",
        "f1",
        "recall_direct",
        "recall_mixed",
        "recall_indirect",
        "speaker_accuracy",
    ):
        assert 0.0 <= result[key] <= 1.0

"""The CoNLL evaluation: parsing, article building, gold spans, scoring, and a run on the dev file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schemas.errors import ConfigError
from streams.document import ActorRecord
from streams.evaluation import conll

_SNIPPET = """-DOCSTART- -X- -X- O

Maria NNP B-NP B-PER
Lopez NNP I-NP I-PER
joined VBD B-VP O
Acme NNP B-NP B-ORG
Shipping NNP I-NP I-ORG
in IN B-PP O
Peru NNP B-NP B-LOC
. . O O

She PRP B-NP O
left VBD B-VP O
. . O O

-DOCSTART- -X- -X- O

Tomas NNP B-NP B-PER
Berg NNP I-NP I-PER
Anna NNP I-NP B-PER
Holm NNP I-NP I-PER
won VBD B-VP O
. . O O
"""


@pytest.fixture
def conll_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.conll"
    path.write_text(_SNIPPET, encoding="utf-8")
    return path


def test_documents_and_sentences_are_split_on_docstart_and_blank_lines(conll_file: Path) -> None:
    documents = conll.read_conll(conll_file)
    assert [len(d.sentences) for d in documents] == [2, 1]
    assert documents[0].sentences[0][0] == ("Maria", "B-PER")


def test_article_joins_tokens_by_space_and_sentences_by_blank_line(conll_file: Path) -> None:
    article, gold = conll.article_for(conll.read_conll(conll_file)[0], 1)
    assert article.uri == "conll:1"
    assert article.headline == ""
    assert article.body_text == "Maria Lopez joined Acme Shipping in Peru .\n\nShe left ."
    spans = {(article.text[s:e], label) for s, e, label in gold}
    assert spans == {("Maria Lopez", "PER"), ("Acme Shipping", "ORG"), ("Peru", "LOC")}


def test_adjacent_b_tags_start_separate_entities(conll_file: Path) -> None:
    article, gold = conll.article_for(conll.read_conll(conll_file)[1], 2)
    assert sorted(article.text[s:e] for s, e, _ in gold) == ["Anna Holm", "Tomas Berg"]


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("-DOCSTART- -X- -X- O\n\nlonely\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.conll:3"):
        conll.read_conll(path)


def test_scoring_is_exact_span_and_typed() -> None:
    gold = {(0, 11, "PER"), (19, 32, "ORG"), (36, 40, "LOC")}
    predicted = {(0, 11, "PER"), (19, 27, "ORG"), (36, 40, "LOC"), (50, 55, "PER")}
    per = conll.score(gold, predicted, {"PER"})
    assert (per["precision"], per["recall"], per["gold"], per["predicted"]) == (0.5, 1.0, 1, 2)
    assert conll.score(gold, predicted, {"ORG"})["f1"] == 0.0
    both = conll.score(gold, predicted, {"PER", "ORG"})
    assert both["recall"] == 0.5 and both["precision"] == pytest.approx(1 / 3, abs=1e-4)


def test_predictions_map_actor_types_and_skip_groups() -> None:
    person = ActorRecord(id="p", name="Maria Lopez", type="person", mentions=[(0, 11)])
    group = ActorRecord(id="g", name="Peruvians", type="group", mentions=[(60, 69)])
    country = ActorRecord(id="c", name="Peru", type="country", mentions=[(36, 40)])
    assert conll.predicted_spans([person, group, country]) == {(0, 11, "PER"), (36, 40, "LOC")}


class _FakeRecognizer:
    def entities(self, text: str, paragraphs: list[tuple[int, int]]) -> list:
        return []


class _FakePipeline:
    """Finds "Maria Lopez" as a person and nothing else (enough to test the wiring)."""

    def __init__(self) -> None:
        from streams.resources import Resources

        self.resources = Resources()  # the real Pipeline's cache, holding a fake recognizer
        self.resources.shared("nlp.recognizer", _FakeRecognizer)

    def analyse(self, article):  # type: ignore[no-untyped-def]
        from streams.document import Document

        doc = Document.from_article(article)
        start = doc.text.find("Maria Lopez")
        if start >= 0:
            doc.add_mention(ActorRecord(id="p", name="Maria Lopez", type="person"), start, start + 11)
        return doc


def test_evaluate_reports_every_group_and_the_baseline(conll_file: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = conll.evaluate(_FakePipeline(), conll_file, lambda done, total: calls.append((done, total)))
    assert result["documents"] == 2 and calls[-1] == (2, 2)
    assert result["PER"]["gold"] == 3 and result["PER"]["predicted"] == 1
    assert result["PER"]["precision"] == 1.0
    assert set(result["baseline_spacy_ner"]) == {"PER", "ORG", "PER+ORG"}
    assert "baseline_spacy_ner" not in conll.evaluate(_FakePipeline(), conll_file, lambda d, t: None,
                                                      baseline=False)


def _dev_file() -> Path:
    root = Path(__file__).resolve().parents[2]
    base = Path(os.environ.get("WIREWATCH_EVAL_DIR", root.parent / "shared" / "eval"))
    return base / "conll2003" / "conllpp_dev.txt"


@pytest.mark.eval
def test_dev_file_evaluation_has_the_documented_shape() -> None:
    path = _dev_file()
    if not path.exists():
        pytest.skip(f"{path} not present")
    from streams.pipeline import Pipeline
    from streams.resources import Resources

    pipeline = Pipeline(Resources(), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))
    result = conll.evaluate(pipeline, path, lambda done, total: None)
    assert result["dataset"] == "conll" and result["documents"] > 100
    for group in ("PER", "ORG", "PER+ORG", "LOC_countries"):
        metrics = result[group]
        assert set(metrics) == {"precision", "recall", "f1", "gold", "predicted"}
        assert all(0.0 <= metrics[k] <= 1.0 for k in ("precision", "recall", "f1"))
        assert metrics["gold"] > 0
    assert result["baseline_spacy_ner"]["PER"]["gold"] == result["PER"]["gold"]
    assert result["seconds"] > 0

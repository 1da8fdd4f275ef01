"""The pipeline as a whole: stage selection, record fields, withdrawn articles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schemas import Article
from streams.pipeline import Pipeline
from streams.resources import Resources

BODY = "BRASILIA - Brazilian Foreign Minister Mauro Vieira met Penny Wong, Australia's foreign minister, on Monday."


@pytest.fixture(scope="module")
def ner_and_actors() -> Pipeline:
    return Pipeline(Resources(), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))


def test_only_configured_stages_run_and_are_listed(ner_and_actors: Pipeline,
                                                   article_factory: Callable[..., Article]) -> None:
    record = ner_and_actors.extract(article_factory(headline="Ministers meet", body_text=BODY))
    assert set(record.extractor) == {"wirewatch.ner.v1", "wirewatch.actors.v1"}
    assert record.actors and record.statements == [] and record.stances == []
    assert record.text_length == len("Ministers meet\n\n" + BODY)


@pytest.mark.parametrize("status", ["canceled", "withheld"])
def test_withdrawn_article_carries_no_findings(ner_and_actors: Pipeline, article_factory: Callable[..., Article],
                                               status: str) -> None:
    record = ner_and_actors.extract(article_factory(body_text=BODY, pubstatus=status))
    assert record.pubstatus == status and record.actors == []


def test_ingested_at_defaults_to_processing_time(ner_and_actors: Pipeline,
                                                 article_factory: Callable[..., Article]) -> None:
    record = ner_and_actors.extract(article_factory())
    assert record.ingested_at == record.processed_at


def test_stages_share_one_knowledge_base_and_a_user_stage_gets_the_same_cache(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.actors import knowledge
    from streams.registry import register

    loads: list[object] = []
    real_load = knowledge.KnowledgeBase.load

    def counting_load(path: object) -> knowledge.KnowledgeBase:
        loads.append(path)
        return real_load(path)  # type: ignore[arg-type]

    monkeypatch.setattr(knowledge.KnowledgeBase, "load", staticmethod(counting_load))
    seen: list[object] = []

    @register("test.kb-user.v1", version="0.0.1")
    def kb_user(resources: Resources) -> Any:
        seen.append(knowledge.knowledge_base(resources))
        return lambda doc: None

    pipeline = Pipeline(Resources(), stages=("wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.stance.v1",
                                             "test.kb-user.v1"))
    assert len(loads) == 1, "the actors and stance stages and the user's stage load the knowledge base once"
    assert seen == [knowledge.knowledge_base(pipeline.resources)]

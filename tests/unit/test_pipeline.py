"""The pipeline as a whole: stage selection, record fields, withdrawn articles."""

from __future__ import annotations

from collections.abc import Callable

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

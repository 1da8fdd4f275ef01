"""Roles read from the text: titles before names, appositions, possessives, former titles."""

from __future__ import annotations

import pytest

from schemas import Article, Role
from streams.actors.roles import role_after, role_before, title_case
from streams.document import ActorRecord
from streams.pipeline import Pipeline
from streams.resources import Resources

_KB = """\
version: 1
actors:
  - {id: Q155, name: Brazil, type: country, country: BRA, demonyms: [Brazilian]}
  - {id: Q408, name: Australia, type: country, country: AUS, demonyms: [Australian]}
  - {id: Q668, name: India, type: country, country: IND, demonyms: [Indian]}
  - {id: Q30, name: United States, type: country, country: USA, aliases: [US, U.S.]}
  - {id: Q1065, name: United Nations, type: organization, aliases: [UN, U.N.]}
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    path = tmp_path_factory.mktemp("kb") / "actors.yaml"
    path.write_text(_KB, encoding="utf-8")
    return Pipeline(Resources(actors_file=path), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))


def _person(pipeline: Pipeline, body: str, actor_id: str) -> ActorRecord:
    doc = pipeline.analyse(Article(uri="test:roles", body_text=body))
    return doc.actors[actor_id]


def test_title_before_name_gives_role_and_country(pipeline: Pipeline) -> None:
    actor = _person(pipeline, "Brazilian Foreign Minister Mauro Vieira arrived on Monday.",
                    "ww:person:mauro-vieira")
    assert actor.roles == [Role(title="Foreign Minister", affiliation="Brazil")]
    assert actor.country == "BRA"


def test_organisation_title_before_name_gives_role(pipeline: Pipeline) -> None:
    actor = _person(pipeline, "UN Secretary-General Maria Costa spoke on Monday.", "ww:person:maria-costa")
    assert actor.roles == [Role(title="Secretary-General", affiliation="United Nations")]


def test_apposition_gives_role_with_country(pipeline: Pipeline) -> None:
    actor = _person(pipeline, "Penny Wong, Australia's foreign minister, said on Friday the talks would "
                    "go ahead.", "ww:person:penny-wong")
    assert actor.roles == [Role(title="Foreign Minister", affiliation="Australia")]
    assert actor.country == "AUS"


def test_possessive_gives_affiliation(pipeline: Pipeline) -> None:
    actor = _person(pipeline, "India's Subrahmanyam Jaishankar said the visit was useful.",
                    "ww:person:subrahmanyam-jaishankar")
    assert actor.country == "IND"


def test_former_title_is_marked_former(pipeline: Pipeline) -> None:
    actor = _person(pipeline, "Former U.S. Secretary of State Hillary Clinton said she was pleased.",
                    "ww:person:hillary-clinton")
    assert actor.roles == [Role(title="Secretary of State", affiliation="United States", former=True)]


def test_nationality_adjective_maps_to_country(pipeline: Pipeline) -> None:
    # Ghana is not in this test's knowledge base: the shipped country list supplies it.
    actor = _person(pipeline, "Ghanaian President Nana Akufo-Addo said on Tuesday the vote was fair.",
                    "ww:person:nana-akufo-addo")
    assert actor.roles == [Role(title="President", affiliation="Ghana")]
    assert actor.country == "GHA"


def test_apposition_with_of_phrase_gives_organisation(pipeline: Pipeline) -> None:
    actor = _person(pipeline, "Mark Rutte, the secretary-general of NATO, said allies agreed.",
                    "ww:person:mark-rutte")
    assert actor.roles == [Role(title="Secretary-General", affiliation="NATO")]


def test_role_before_reads_former_and_affiliation() -> None:
    text = "He met former Brazilian Foreign Minister Ana Lima."
    cue = role_before(text, 0, text.index("Ana"))
    assert cue is not None
    assert (cue.title, cue.affiliation, cue.former) == ("Foreign Minister", "Brazilian", True)


def test_role_after_reads_possessor_and_title() -> None:
    text = "Penny Wong, Australia's foreign minister, said so."
    cue = role_after(text, len("Penny Wong"), len(text))
    assert cue is not None
    assert (cue.title, cue.affiliation, cue.former) == ("Foreign Minister", "Australia", False)


def test_no_role_without_a_title_next_to_the_name() -> None:
    text = "Penny Wong said on Friday that talks would go ahead."
    assert role_after(text, len("Penny Wong"), len(text)) is None
    assert role_before(text, 0, 0) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("foreign minister", "Foreign Minister"), ("secretary-general", "Secretary-General"),
    ("secretary of state", "Secretary of State"), ("Gen.", "General"),
])
def test_titles_are_normalised_as_written_before_a_name(raw: str, expected: str) -> None:
    assert title_case(raw) == expected



def test_title_of_a_post_that_ended_before_the_article_is_published_as_former() -> None:
    pipe = Pipeline(Resources(), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))
    body = "Canadian Prime Minister Justin Trudeau said on Monday the talks would go ahead."
    late = pipe.analyse(Article(uri="t:1", body_text=body, published="2025-06-01T09:00:00+00:00"))
    early = pipe.analyse(Article(uri="t:2", body_text=body, published="2024-06-01T09:00:00+00:00"))
    assert late.actors["Q3099714"].roles == [Role(title="Prime Minister", affiliation="Canada", former=True)]
    assert early.actors["Q3099714"].roles == [Role(title="Prime Minister", affiliation="Canada")]

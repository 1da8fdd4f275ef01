"""The actors stage: one actor per real entity, stable ids, datelines, metonyms, affiliations."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import Article
from streams.actors.knowledge import KnowledgeBase
from streams.document import Document
from streams.nlp import Entity, refine_entities
from streams.pipeline import Pipeline
from streams.resources import Resources

_KB = """\
version: 1
actors:
  - {id: Q30, name: United States, type: country, country: USA, aliases: [US, U.S., America],
     demonyms: [American], capital: Washington, metonyms: [Washington, the White House]}
  - {id: Q148, name: China, type: country, country: CHN, demonyms: [Chinese], capital: Beijing,
     metonyms: [Beijing]}
  - {id: Q145, name: United Kingdom, type: country, country: GBR, aliases: [Britain, UK],
     demonyms: [British], capital: London, metonyms: [Downing Street]}
  - {id: Q212, name: Ukraine, type: country, country: UKR, capital: Kyiv}
  - {id: Q155, name: Brazil, type: country, country: BRA, demonyms: [Brazilian]}
  - {id: Q408, name: Australia, type: country, country: AUS, demonyms: [Australian]}
  - {id: Q668, name: India, type: country, country: IND, demonyms: [Indian]}
  - {id: Q1065, name: United Nations, type: organization, aliases: [UN, U.N.]}
  - id: Q311440
    name: António Guterres
    type: person
    country: PRT
    descriptors: [UN chief]
    roles: [{title: Secretary-General, affiliation: United Nations, start: 2017-01-01}]
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    path = tmp_path_factory.mktemp("kb") / "actors.yaml"
    path.write_text(_KB, encoding="utf-8")
    return Pipeline(Resources(actors_file=path), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))


def _analyse(pipeline: Pipeline, body: str, headline: str = "") -> Document:
    return pipeline.analyse(Article(uri="test:1", headline=headline, body_text=body))


def _mentions(doc: Document, actor_id: str) -> list[str]:
    actor = doc.actors[actor_id]
    return [doc.text[s:e] for s, e in sorted(actor.mentions)]


def test_surname_and_title_only_mentions_join_one_actor(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "UN Secretary-General António Guterres said on Monday the world was off "
                   "track. Guterres added that funding had fallen. The UN chief warned leaders.")
    assert _mentions(doc, "Q311440") == ["António Guterres", "Guterres", "UN chief"]
    people = [a for a in doc.actors.values() if a.type == "person"]
    assert len(people) == 1


def test_person_outside_the_kb_gets_a_stable_id_and_joins_surname_and_title(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Brazilian Foreign Minister Mauro Vieira met his counterpart. Vieira said "
                   "talks went well. The foreign minister told reporters he was pleased.")
    assert _mentions(doc, "ww:person:mauro-vieira") == ["Mauro Vieira", "Vieira", "The foreign minister"]


def test_all_caps_headline_mention_joins_the_person_named_in_the_body(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Alan Shearer was named captain on Friday. The coach said Shearer deserved it.",
                   headline="SHEARER NAMED ENGLAND CAPTAIN")
    assert _mentions(doc, "ww:person:alan-shearer") == ["SHEARER", "Alan Shearer", "Shearer"]


def test_surname_inside_a_longer_name_is_not_linked(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Bob Jones, a coach, said the team was ready. Jones Medical Industries said "
                   "it would sponsor the team.")
    assert _mentions(doc, "ww:person:bob-jones") == ["Bob Jones"]


def test_family_name_written_first_joins_the_full_name(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Li Peng met officials on Tuesday. Li said the visit was a success.")
    assert _mentions(doc, "ww:person:li-peng") == ["Li Peng", "Li"]


@pytest.mark.parametrize("dateline", ["KYIV, Ukraine (AP) — ", "WASHINGTON (Reuters) - ", "BEIJING — "])
def test_dateline_capital_is_not_an_actor(pipeline: Pipeline, dateline: str) -> None:
    doc = _analyse(pipeline, dateline + "Officials met on Monday to discuss trade.")
    assert doc.dateline is not None
    assert doc.text[doc.dateline[0]:doc.dateline[1]] == dateline
    assert doc.actors == {}


@pytest.mark.parametrize(("sentence", "actor_id"), [
    ("Beijing said on Monday it opposed the move.", "Q148"),
    ("The White House said on Tuesday it would act.", "Q30"),
    ("Downing Street said it was consulting allies.", "Q145"),
])
def test_metonym_resolves_to_country_government(pipeline: Pipeline, sentence: str, actor_id: str) -> None:
    doc = _analyse(pipeline, sentence)
    assert actor_id in doc.actors
    assert doc.actors[actor_id].type == "country"


def test_capital_used_as_a_place_is_not_the_government(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Delegates held talks in Beijing on Monday, and some flew on to Washington.")
    assert "Q148" not in doc.actors and "Q30" not in doc.actors


def test_country_outside_the_kb_is_still_a_country(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Burkina Faso said on Sunday it had closed its border.")
    actor = doc.actors["ww:country:bfa"]
    assert (actor.name, actor.type, actor.country) == ("Burkina Faso", "country", "BFA")


def test_lone_word_person_needs_support(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Benfica dominated the game. President Suharto spoke. Halftime came.")
    people = {a.name for a in doc.actors.values() if a.type == "person"}
    assert people == {"Suharto"}


def test_pronoun_resolution_skips_a_mention_that_is_only_an_affiliation(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Maria Lopez arrived on Monday. Vladimir Putin's spokesman said he would "
                   "not comment.")
    he = doc.text.index(" he would")
    assert doc.last_actor_before(he).id == "ww:person:maria-lopez"
    # the affiliation is still a mention of Putin in the published record
    assert _mentions(doc, "ww:person:vladimir-putin") == ["Vladimir Putin"]


def test_affiliation_of_a_named_person_is_not_a_speaker_candidate(pipeline: Pipeline) -> None:
    doc = _analyse(pipeline, "Penny Wong, Australia's foreign minister, said on Friday that India's "
                   "Subrahmanyam Jaishankar would visit.")
    indexed = {doc.text[m.start:m.end] for m in doc.mentions()}
    assert {"Australia", "India"}.isdisjoint(indexed)
    assert "Q408" in doc.actors and "Q668" in doc.actors


def test_one_actor_per_entity_in_the_published_record(pipeline: Pipeline) -> None:
    record = pipeline.extract(Article(
        uri="test:2", headline="Guterres urges calm",
        body_text="UN Secretary-General António Guterres urged calm. Guterres spoke in New York.",
    ))
    ids = [actor.id for actor in record.actors]
    assert len(ids) == len(set(ids))
    guterres = next(a for a in record.actors if a.id == "Q311440")
    assert guterres.in_knowledge_base and len(guterres.mentions) == 3


class _Lexicon:
    """A tiny stand-in for the knowledge base's word lists."""

    def starts_name(self, token: str) -> bool:
        return token in {"Florian", "Sabine", "Alfonso"}

    def is_demonym(self, word: str) -> bool:
        return word in {"Frenchman", "Australian"}

    def is_country(self, surface: str) -> bool:
        return surface in {"Belgium", "France"}


def _entity(text: str, surface: str, label: str) -> Entity:
    start = text.index(surface)
    return Entity(start, start + len(surface), label, surface)


def _refined(text: str, *entities: tuple[str, str]) -> list[tuple[str, str]]:
    found = refine_entities(text, [_entity(text, s, label) for s, label in entities], _Lexicon())
    return [(e.text, e.label) for e in found]


def test_entity_spans_drop_numbers_titles_and_possessives() -> None:
    text = "Reports said Archbishop Desmond Tutu 's aide met Frenchman Marc Rosset after Rosset 57 ."
    assert _refined(text, ("Archbishop Desmond Tutu 's", "PERSON"), ("Frenchman Marc Rosset", "PERSON"),
                    ("Rosset 57", "PERSON")) == [
        ("Desmond Tutu", "PERSON"), ("Marc Rosset", "PERSON"), ("Rosset", "PERSON")]


def test_entity_is_split_at_brackets_and_dashes() -> None:
    text = "Sabine Appelmans ( Belgium ) beat 7 - Anna Berg"
    assert _refined(text, ("Sabine Appelmans ( Belgium", "PERSON"), ("7 - Anna Berg", "PERSON")) == [
        ("Sabine Appelmans", "PERSON"), ("Belgium", "PERSON"), ("Anna Berg", "PERSON")]


def test_given_name_retypes_a_person_tagged_as_a_place() -> None:
    assert _refined("Florian Rousseau won the sprint .", ("Florian Rousseau", "GPE")) == [
        ("Florian Rousseau", "PERSON")]


def test_company_words_retype_a_person_tag_to_organisation() -> None:
    assert _refined("Lamonts Apparel files plan .", ("Lamonts Apparel", "PERSON")) == [
        ("Lamonts Apparel", "ORG")]


def test_results_table_teams_are_organisations() -> None:
    text = "Karlsruhe 2 Hansa Rostock 0\n\nLyon 4 2 1 1 6 4 7"
    assert _refined(text, ("Karlsruhe 2 Hansa", "PERSON"), ("Lyon 4 2 1 1 6 4", "PERSON")) == [
        ("Karlsruhe", "ORG"), ("Hansa", "ORG"), ("Lyon", "ORG")]


def test_missed_names_are_found_by_given_name_and_bracketed_country() -> None:
    text = "Alfonso Rios scored , and Tegla Loroupe ( France ) won ."
    assert _refined(text) == [("Alfonso Rios", "PERSON"), ("Tegla Loroupe", "PERSON")]


def test_results_format_name_wins_over_split_tags() -> None:
    text = "Nice 1 ( Ana Berg 64th ) , and Sabine Kohl ( Belgium ) won ."
    assert _refined(text, ("Ana", "GPE"), ("Berg", "PERSON"), ("Kohl", "PERSON")) == [
        ("Ana Berg", "PERSON"), ("Sabine Kohl", "PERSON")]


def test_title_only_person_tag_is_dropped() -> None:
    assert _refined("Australian President spoke .", ("Australian President", "PERSON")) == []


def test_knowledge_base_provides_the_refinement_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(_KB, encoding="utf-8")
    kb = KnowledgeBase.load(path)
    assert kb.starts_name("Florian") and not kb.starts_name("Monday")
    assert kb.is_demonym("Brazilian") and kb.is_country("Belgium") and not kb.is_country("Beijing")


def test_name_at_sentence_end_does_not_swallow_the_period_or_next_word() -> None:
    from schemas import Article
    from streams.pipeline import Pipeline
    from streams.resources import Resources

    pipeline = Pipeline(Resources(), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))
    record = pipeline.extract(Article(uri="u", headline="", body_text="The talks went well, said Ana Ruiz. "
                                                                    "Officials praised Ana Ruiz."))
    assert [(a.name, len(a.mentions)) for a in record.actors] == [("Ana Ruiz", 2)]

"""The actor knowledge base: validation errors, lookups, the country list and the name gazetteer."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from schemas import Article, Role
from schemas.errors import ConfigError
from streams.actors.knowledge import (
    DEFAULT_ACTORS_FILE,
    KBActor,
    KnowledgeBase,
    load_countries,
    load_name_gazetteer,
)
from streams.pipeline import Pipeline
from streams.resources import Resources

_ACTORS = """\
version: 1
as_of: "2025-01-01"
actors:
  - id: Q155
    name: Brazil
    type: country
    country: BRA
    demonyms: [Brazilian]
  - id: Q311440
    name: António Guterres
    type: person
    aliases: [Guterres]
    roles:
      - {title: Secretary-General, affiliation: United Nations, start: 2017-01-01}
      - {title: Prime Minister, affiliation: Portugal, start: 1995-10-28, end: 2002-04-06}
  - {id: Q7184, name: NATO, type: organization, aliases: [North Atlantic Treaty Organization]}
"""
_COUNTRIES = """\
version: 1
countries:
  - {name: Brazil, iso3: BRA, aliases: [Brasil], demonyms: [Brazilians], capital: Brasília}
  - {name: Ghana, iso3: GHA, demonyms: [Ghanaian], capital: Accra}
"""
_NAMES = """\
version: 1
given_names: [Florian, Maria]
family_first: [Li]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase.load(_write(tmp_path, "actors.yaml", _ACTORS),
                              countries_file=_write(tmp_path, "countries.yaml", _COUNTRIES),
                              names_file=_write(tmp_path, "names.yaml", _NAMES))


def test_kb_validation_error_names_file_line_and_field(tmp_path: Path) -> None:
    bad = _ACTORS.replace("    type: person\n", "    type: celebrity\n")
    path = _write(tmp_path, "actors.yaml", bad)
    with pytest.raises(ConfigError) as error:
        KnowledgeBase.load(path, countries_file=None, names_file=None)
    assert f"{path}:9: actors[1].type" in str(error.value)


def test_kb_bad_country_code_names_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "actors.yaml", _ACTORS.replace("country: BRA", "country: Brazil"))
    with pytest.raises(ConfigError, match=r"actors\.yaml:4: actors\[0\]\.country"):
        KnowledgeBase.load(path, countries_file=None, names_file=None)


def test_countries_file_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "countries.yaml", _COUNTRIES.replace("iso3: GHA", "iso3: GH"))
    with pytest.raises(ConfigError, match=r"countries\.yaml:4: countries\[1\]\.iso3"):
        load_countries(path)


def test_name_gazetteer_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "names.yaml", "version: 1\ngiven_names:\n  - Florian\n  - [Maria]\n")
    with pytest.raises(ConfigError, match=r"names\.yaml:4: given_names\[1\]"):
        load_name_gazetteer(path)


def test_lookup_folds_accents_case_and_a_leading_the(kb: KnowledgeBase) -> None:
    match = kb.lookup("Antonio Guterres")
    assert match is not None and match.actor.id == "Q311440" and match.kind == "name"
    assert kb.lookup("the North Atlantic Treaty Organization").actor.id == "Q7184"  # type: ignore[union-attr]
    assert kb.lookup("nato") is None  # short acronyms keep their case


def test_all_caps_headline_word_finds_the_country(kb: KnowledgeBase) -> None:
    match = kb.lookup("BRAZIL")
    assert match is not None and match.actor.id == "Q155"


def test_scan_finds_names_but_not_lower_case_lookalikes(kb: KnowledgeBase) -> None:
    text = "Guterres met Brazilian officials; nato members were absent. Brasil agreed."
    found = [(text[s:e], m.kind) for s, e, m in kb.scan(text)]
    assert found == [("Guterres", "alias"), ("Brazilian", "demonym"), ("Brasil", "alias")]


def test_country_list_completes_and_merges_with_the_kb(kb: KnowledgeBase) -> None:
    ghana = kb.lookup("Ghana")
    assert ghana is not None
    assert (ghana.actor.id, ghana.actor.country, ghana.actor.type) == ("ww:country:gha", "GHA", "country")
    brazil = kb.lookup("Brasil")
    assert brazil is not None and brazil.actor.id == "Q155"  # the KB's own entry keeps its QID
    assert kb.is_demonym("Brazilians") and kb.is_demonym("Ghanaian")
    assert kb.is_capital("ACCRA") and kb.is_capital("Brasília")
    assert kb.is_country("Ghana") and not kb.is_country("Accra")


def test_current_roles_depend_on_the_date(kb: KnowledgeBase) -> None:
    guterres = kb.actors["Q311440"]
    assert [r.title for r in kb.current_roles(guterres, date(2000, 1, 1))] == ["Prime Minister"]
    assert [r.title for r in kb.current_roles(guterres, date(2024, 1, 1))] == ["Secretary-General"]
    assert [r.title for r in kb.current_roles(guterres, None)] == ["Secretary-General"]


def test_name_gazetteer_knows_given_and_family_first_names(kb: KnowledgeBase) -> None:
    assert kb.starts_name("Florian") and kb.starts_name("Li")
    assert not kb.starts_name("Monday")
    assert kb.names.family_first == frozenset({"Li"})


def test_shipped_data_files_load() -> None:
    countries = load_countries()
    assert len(countries) >= 249
    assert len({c.iso3 for c in countries}) == len(countries)
    assert load_name_gazetteer().starts_name("Maria")


# ---- the shipped knowledge base: QIDs and dated roles ------------------------------------------

_SOURCES = DEFAULT_ACTORS_FILE.with_name("ACTORS_SOURCES.md")
_QID = re.compile(r"^Q[1-9][0-9]*$")


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def actors_pipeline() -> Pipeline:
    return Pipeline(Resources(), stages=("wirewatch.ner.v1", "wirewatch.actors.v1"))


def _person(kb: KnowledgeBase, name: str) -> KBActor:
    actor = kb.by_name(name)
    assert actor is not None and actor.type == "person", name
    return actor


def _titles(kb: KnowledgeBase, name: str, day: date) -> list[tuple[str, str | None]]:
    return [(r.title, r.affiliation) for r in kb.current_roles(_person(kb, name), day)]


@pytest.mark.parametrize(("name", "qid"), [
    ("António Guterres", "Q311440"), ("Mark Rutte", "Q57792"), ("Ursula von der Leyen", "Q60772"),
    ("António Costa", "Q610788"), ("Donald Tusk", "Q946"), ("Marco Rubio", "Q324546"),
    ("Justin Trudeau", "Q3099714"), ("Frank-Walter Steinmeier", "Q76658"), ("Vladimir Putin", "Q7747"),
])
def test_shipped_leaders_carry_their_wikidata_qid(shipped: KnowledgeBase, name: str, qid: str) -> None:
    assert _person(shipped, name).id == qid


def test_shipped_person_qids_are_well_formed_unique_and_each_documented(shipped: KnowledgeBase) -> None:
    qids = [a.id for a in shipped.actors.values() if not a.id.startswith("ww:")]
    assert all(_QID.match(q) for q in qids)
    assert len(qids) == len(set(qids))
    documented = set(re.findall(r"^\| (Q[0-9]+) \|", _SOURCES.read_text(encoding="utf-8"), re.M))
    people = {a.id for a in shipped.actors.values() if a.type == "person" and a.id.startswith("Q")}
    assert people == documented  # a person QID is added only with its basis in ACTORS_SOURCES.md


def test_shipped_roles_all_have_a_start_before_their_end(shipped: KnowledgeBase) -> None:
    as_of = date.fromisoformat(shipped.as_of or "")
    for actor in shipped.actors.values():
        for role in actor.roles:
            assert role.start is not None, (actor.id, role.title)
            assert role.start <= as_of, (actor.id, role.title)
            assert role.end is None or role.start <= role.end, (actor.id, role.title)


def test_minister_who_changed_post_has_the_role_of_the_articles_date(shipped: KnowledgeBase) -> None:
    # Anita Anand: Defence Minister 2021-10-26..2023-07-26, Foreign Minister from 2025-05-13.
    assert _titles(shipped, "Anita Anand", date(2022, 6, 1)) == [("Defence Minister", "Canada")]
    assert _titles(shipped, "Anita Anand", date(2024, 6, 1)) == []
    assert _titles(shipped, "Anita Anand", date(2025, 6, 1)) == [("Foreign Minister", "Canada")]


def test_article_dated_before_a_roles_start_does_not_give_that_role(shipped: KnowledgeBase) -> None:
    # Mark Rutte: Dutch prime minister until 2024-07-02, NATO secretary general from 2024-10-01.
    assert _titles(shipped, "Mark Rutte", date(2024, 6, 1)) == [("Prime Minister", "Netherlands")]
    assert _titles(shipped, "Mark Rutte", date(2024, 9, 1)) == []
    assert _titles(shipped, "Mark Rutte", date(2024, 10, 2)) == [("Secretary General", "NATO")]
    assert _titles(shipped, "Friedrich Merz", date(2025, 5, 5)) == []


def test_a_second_term_is_current_only_once_it_began(shipped: KnowledgeBase) -> None:
    assert _titles(shipped, "Donald Trump", date(2019, 1, 1)) == [("President", "United States")]
    assert _titles(shipped, "Donald Trump", date(2023, 1, 1)) == []
    assert _titles(shipped, "Donald Trump", date(2025, 6, 1)) == [("President", "United States")]


@pytest.mark.parametrize(("published", "roles"), [
    ("2022-06-01T09:00:00+00:00", [Role(title="Defence Minister", affiliation="Canada")]),
    ("2025-06-01T09:00:00+00:00", [Role(title="Foreign Minister", affiliation="Canada")]),
    (None, [Role(title="Foreign Minister", affiliation="Canada")]),
])
def test_article_date_decides_the_published_kb_roles(actors_pipeline: Pipeline, shipped: KnowledgeBase,
                                                     article_factory: Callable[..., Article],
                                                     published: str | None, roles: list[Role]) -> None:
    article = article_factory(body_text="Anita Anand said on Monday that talks would continue.",
                              published=published)
    record = actors_pipeline.analyse(article).actors[_person(shipped, "Anita Anand").id]
    assert record.in_knowledge_base and record.roles == roles


def test_held_only_before_marks_a_post_that_ended_before_the_article(shipped: KnowledgeBase) -> None:
    trudeau, trump = _person(shipped, "Justin Trudeau"), _person(shipped, "Donald Trump")
    assert shipped.held_only_before(trudeau, "Prime Minister", "Canada", date(2025, 6, 1))
    assert shipped.held_only_before(trudeau, "prime minister", None, date(2025, 6, 1))
    assert not shipped.held_only_before(trudeau, "Prime Minister", "Canada", date(2024, 6, 1))
    assert not shipped.held_only_before(trudeau, "Prime Minister", "Canada", None)
    assert not shipped.held_only_before(trudeau, "Foreign Minister", "Canada", date(2025, 6, 1))
    # between Trump's two terms he was a former president; during the second he is not
    assert shipped.held_only_before(trump, "President", "United States", date(2023, 1, 1))
    assert not shipped.held_only_before(trump, "President", "United States", date(2025, 6, 1))


def test_held_only_before_matches_whole_titles_across_spellings(shipped: KnowledgeBase) -> None:
    biden, anand = _person(shipped, "Joe Biden"), _person(shipped, "Anita Anand")
    assert shipped.held_only_before(biden, "Vice President", "United States", date(2024, 1, 1))
    assert not shipped.held_only_before(biden, "President", "United States", date(2024, 1, 1))
    assert shipped.held_only_before(anand, "Defense Minister", "Canada", date(2024, 6, 1))
    rutte = _person(shipped, "Mark Rutte")
    assert not shipped.held_only_before(rutte, "Secretary-General", "NATO", date(2025, 1, 1))

"""The actor knowledge base: validation errors, lookups, the country list and the name gazetteer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schemas.errors import ConfigError
from streams.actors.knowledge import KnowledgeBase, load_countries, load_name_gazetteer

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

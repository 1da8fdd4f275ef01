"""Statement sources on hand-written articles: a speaker actor for every named source, a kind for
every source, pronouns by salience, datelines and titles that are never actors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemas import Article, EnrichedArticle, Statement
from streams.pipeline import Pipeline
from streams.resources import Resources

_KB = """\
actors:
  - id: Q9000001
    name: Maria Alvarez
    type: person
    aliases: [Alvarez]
  - id: Q9000005
    name: Lena Haas
    type: person
    aliases: [Haas]
    roles:
      - {title: Foreign Minister, affiliation: Austria, start: "2020-01-01"}
"""

_STAGES = ("wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.statements.v1")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    kb = tmp_path_factory.mktemp("kb") / "actors.yaml"
    kb.write_text(_KB, encoding="utf-8")
    return Pipeline(Resources(actors_file=kb), stages=_STAGES)


@pytest.fixture
def extract(pipeline: Pipeline) -> Callable[[str], EnrichedArticle]:
    def run(body: str) -> EnrichedArticle:
        return pipeline.extract(Article(uri="urn:test:sources", headline="Talks", body_text=body))

    return run


def _with_cue(record: EnrichedArticle, cue: str) -> Statement:
    found = [s for s in record.statements if s.cue == cue]
    assert len(found) == 1, [(s.cue, s.content) for s in record.statements]
    return found[0]


def _speaker(statement: Statement) -> str | None:
    return statement.speaker.name if statement.speaker else None


# -- named sources outside the knowledge base get an actor -----------------------------------
@pytest.mark.parametrize(("body", "speaker"), [
    ("Rep. Dana Whitfield (D-Ohio) said the bill would pass next week.", "Dana Whitfield"),
    ("Boeing said its deliveries would resume in the spring.", "Boeing"),
    ("Ms. Alvarez said the count was fair.", "Maria Alvarez"),
    ("The vote was close. Priya Ramanathan, 44, who runs a bakery in Leeds, said she voted no.", "Priya Ramanathan"),
    ("Tomas Ekberg on Tuesday said the plant would close.", "Tomas Ekberg"),
])
def test_a_named_source_is_the_speaker_actor(extract: Callable[[str], EnrichedArticle], body: str,
                                             speaker: str) -> None:
    record = extract(body)
    statement = _with_cue(record, "said")
    assert _speaker(statement) == speaker
    assert statement.source is not None and statement.source.kind == "named"
    assert statement.speaker is not None and statement.speaker.id in {a.id for a in record.actors}


def test_a_proxy_speaks_for_the_named_actor(extract: Callable[[str], EnrichedArticle]) -> None:
    campaign = _with_cue(extract("Karl Brenner\u2019s campaign said it raised $2 million in May."), "said")
    assert _speaker(campaign) == "Karl Brenner"
    spokeswoman = _with_cue(extract("A spokeswoman for Maria Alvarez said the count was fair."), "said")
    assert _speaker(spokeswoman) == "Maria Alvarez"
    chairman = _with_cue(extract("The party\u2019s campaign chairman, Olaf Lindqvist, said the race was open."),
                         "said")
    assert _speaker(chairman) == "Olaf Lindqvist"


# -- sources that name no one keep a kind --------------------------------------------------------
@pytest.mark.parametrize(("body", "kind"), [
    ("A senior diplomat said the talks would resume on Friday.", "anonymous"),
    ("Officials said the airport would reopen on Thursday.", "group"),
    ("The report said the river had flooded twice since May.", "document"),
    ("A new poll shows the governor trailing by four points.", "document"),
])
def test_an_unnamed_source_is_kept_with_its_kind(extract: Callable[[str], EnrichedArticle], body: str,
                                                 kind: str) -> None:
    record = extract(body)
    assert len(record.statements) == 1, [(s.cue, s.content) for s in record.statements]
    statement = record.statements[0]
    assert statement.speaker is None
    assert statement.source is not None and statement.source.kind == kind
    assert statement.source.text.lower() in body.lower()
    assert not [a for a in record.actors if a.name.lower() in ("officials", "report", "poll", "diplomat")]


def test_a_capitalised_first_word_is_not_a_person(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Government officials said the airport would reopen on Thursday.")
    assert record.statements[0].speaker is None
    assert not [a for a in record.actors if a.type == "person"]


def test_a_weekday_is_never_a_speaker(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("The committee on Tuesday said the hearing would be public.")
    assert not [a for a in record.actors if a.name in ("Tuesday", "The committee")]


# -- pronouns by salience -------------------------------------------------------------------------
def test_the_subject_beats_names_in_a_participle_phrase(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Lena Haas spoke to reporters in Vienna on Monday, thanking Ms. Ines Moreau and "
                     "Ms. Clara Novak for their help. She stressed that the talks would go on.")
    assert _speaker(_with_cue(record, "stressed")) == "Lena Haas"


def test_said_of_keeps_the_speaker(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Tomas Ekberg said of Maria Alvarez that she had been brave. "
                     "He added that the talks had been useful.")
    assert _speaker(_with_cue(record, "added")) == "Tomas Ekberg"


def test_gender_from_an_honorific_decides_between_two_people(
        extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Mr. Tomas Ekberg met Ms. Ines Moreau in Brussels. She said the plan was sound.")
    assert _speaker(_with_cue(record, "said")) == "Ines Moreau"


# -- datelines and titles are never actors ----------------------------------------------------------
def test_datelines_and_titles_make_no_actors(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("GENEVA \u2014 Secretary of State Tomas Ekberg met delegates on Monday. "
                     "He said the talks were useful.")
    names = {a.name for a in record.actors}
    assert "State" not in names and "GENEVA" not in names and "Geneva" not in names
    assert _speaker(_with_cue(record, "said")) == "Tomas Ekberg"
    reuters = extract("NAIROBI (Reuters) - The Secretary of State called on both sides to talk.")
    assert not [a for a in reuters.actors if a.name in ("State", "NAIROBI", "Nairobi")]

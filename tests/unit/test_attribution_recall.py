"""Attribution constructions beyond "X said (that) Y": verb groups, attitudes, passives, open
nouns, source phrases and headline sources, plus what must not become an attribution.

Every sentence here is written for the test; none comes from an evaluation corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemas import Article, Statement
from streams.pipeline import Pipeline
from streams.resources import Resources
from streams.statements.cues import find_cues

_KB = """\
actors:
  - id: Q9100001
    name: Maria Alvarez
    type: person
    aliases: [Alvarez]
  - id: Q9100002
    name: John Harper
    type: person
    aliases: [Harper]
  - id: Q9100003
    name: Northland Party
    type: organization
"""

_STAGES = ("wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.statements.v1")

Statements = Callable[[str], list[Statement]]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    kb: Path = tmp_path_factory.mktemp("kb") / "actors.yaml"
    kb.write_text(_KB, encoding="utf-8")
    return Pipeline(Resources(actors_file=kb), stages=_STAGES)


@pytest.fixture
def statements(pipeline: Pipeline) -> Statements:
    """Run the pipeline on a body text and return its statements."""

    def run(body: str) -> list[Statement]:
        article = Article(uri="urn:test:recall", headline="Council vote", body_text=body)
        return pipeline.extract(article).statements

    return run


def _only(found: list[Statement]) -> Statement:
    assert len(found) == 1, [(s.cue, s.content) for s in found]
    return found[0]


def _cue_texts(text: str) -> list[str]:
    return [c.text for c in find_cues(text)]


# -- verb groups and readings --------------------------------------------------------------------
def test_base_verb_after_negated_auxiliary_is_a_cue(statements: Statements) -> None:
    found = _only(statements("Harper did not mention the new pension rules in his speech."))
    assert found.cue == "mention"
    assert found.content.startswith("the new pension rules")
    assert found.speaker is not None and found.speaker.name == "John Harper"


def test_base_verb_after_modal_reports_its_object(statements: Statements) -> None:
    found = _only(statements("Alvarez would endorse the harbour plan if it were cheaper."))
    assert found.cue == "endorse"
    assert "harbour plan" in found.content


def test_noun_shaped_base_form_needs_a_verb_group() -> None:
    assert _cue_texts("They call for a recount.") == ["call for"]
    assert _cue_texts("The question of funding remains open.") == []
    assert _cue_texts("Harper will question the figures.") == ["question"]


def test_form_with_verb_and_noun_readings_keeps_the_noun_after_a_possessor() -> None:
    cues = find_cues("Alvarez repeated her promise to lower fares.")
    assert [(c.text, c.frame) for c in cues] == [("repeated", "speech"), ("promise", "noun")]


def test_verb_form_after_a_determiner_is_a_noun_not_a_cue(statements: Statements) -> None:
    assert statements("Their show of force impressed the delegates at the convention.") == []
    assert _cue_texts("Thanks to the storm, the rally was cancelled.") == []


# -- attitudes: beliefs, desires, adjectives ----------------------------------------------------
def test_belief_verb_with_a_noun_phrase_object_is_an_attribution(statements: Statements) -> None:
    found = _only(statements("Most farmers in the valley want a new irrigation scheme."))
    assert found.cue == "want"
    assert found.content == "a new irrigation scheme"
    assert found.speaker_span is not None


def test_belief_clause_without_that_after_a_name_subject(statements: Statements) -> None:
    found = _only(statements("Harper thinks Alvarez will lose the runoff next month."))
    assert found.cue == "thinks"
    assert found.content.startswith("Alvarez will lose")


def test_adverb_between_cue_and_that_keeps_the_cue() -> None:
    [cue] = [c for c in find_cues("She suspected immediately that the vote was rigged.")]
    assert cue.text == "suspected" and not cue.bare


def test_adjective_of_attitude_reports_with_its_holder(statements: Statements) -> None:
    found = _only(statements("The union leaders are eager to reopen the wage talks."))
    assert found.cue == "eager to"
    assert "reopen the wage talks" in found.content


def test_voting_and_ordering_are_attributions(statements: Statements) -> None:
    voted = _only(statements("Alvarez voted against the bridge tax on Tuesday."))
    assert voted.cue == "voted against" and "bridge tax" in voted.content
    ordered = _only(statements("The judge ordered the city to reopen the shelter."))
    assert ordered.cue == "ordered" and "reopen the shelter" in ordered.content


def test_made_it_clear_is_a_speech_cue(statements: Statements) -> None:
    found = _only(statements("Harper made it clear that he would not resign."))
    assert found.cue == "made it clear"
    assert "would not resign" in found.content


def test_hedged_passive_with_an_adverb_has_no_source(statements: Statements) -> None:
    found = _only(statements("The measure is widely expected to pass the senate."))
    assert found.cue == "is widely expected"
    assert found.speaker is None and found.speaker_span is None


# -- passives ------------------------------------------------------------------------------------
def test_passive_subject_is_content_and_agent_is_source(statements: Statements) -> None:
    found = _only(statements("The toll proposal was rejected by the Northland Party."))
    assert found.cue == "rejected"
    assert found.content == "The toll proposal"
    assert found.speaker is not None and found.speaker.name == "Northland Party"


def test_passive_with_a_complement_keeps_subject_and_complement(statements: Statements) -> None:
    found = _only(statements("Alvarez is seen as the favourite in the northern districts."))
    assert found.content.startswith("Alvarez")
    assert found.content.endswith("the favourite in the northern districts")


def test_passive_after_an_adverb_that_does_not_end_in_ly(statements: Statements) -> None:
    found = _only(statements("The resignation was first reported by a local radio station."))
    assert found.cue == "reported"
    assert found.content == "The resignation"


def test_reduced_passive_reports_the_noun_phrase_before_it(statements: Statements) -> None:
    found = _only(statements("The council debated a ferry plan backed by Harper."))
    assert found.cue == "backed"
    assert found.content == "a ferry plan"
    assert found.speaker is not None and found.speaker.name == "John Harper"


# -- nouns and source phrases ------------------------------------------------------------------
def test_open_noun_cue_without_possessor_takes_the_source_after_from(
    statements: Statements,
) -> None:
    found = _only(statements("The budget drew criticism of its school cuts from Alvarez."))
    assert found.cue == "criticism"
    assert found.content.startswith("of its school cuts")
    assert found.speaker is not None and found.speaker.name == "Maria Alvarez"


def test_noun_without_possessor_or_complement_is_not_a_cue() -> None:
    assert _cue_texts("The criticism was loud.") == []


def test_sentence_opened_by_a_poll_phrase_attributes_the_rest(statements: Statements) -> None:
    found = _only(statements("In the latest Coastline poll, Alvarez leads Harper by six points."))
    assert found.content == "Alvarez leads Harper by six points"
    assert found.cue == "In"
    assert found.speaker_span is not None


def test_poll_phrase_before_a_speech_cue_is_not_an_attribution(statements: Statements) -> None:
    found = _only(statements("In the latest Coastline poll, Harper said, turnout will fall."))
    assert found.cue == "said"


def test_in_an_interview_is_not_a_source(statements: Statements) -> None:
    found = statements("In an interview, the mayor praised the new tram line.")
    assert [s.cue for s in found] == ["praised"]


def test_headline_source_noun_before_a_colon(statements: Statements) -> None:
    found = _only(statements("Poll: Alvarez pulls ahead in the north."))
    assert found.cue == ":"
    assert found.content == "Alvarez pulls ahead in the north"


def test_lowercase_word_before_a_colon_is_not_a_source(statements: Statements) -> None:
    assert statements("Result: the bridge stays closed until May.") == []


# -- postposed cues and clause boundaries ------------------------------------------------------
def test_postposed_cue_after_a_long_source_takes_the_clause_before(
    statements: Statements,
) -> None:
    found = _only(
        statements(
            "The ferry will stop running in June, the operator's chief engineer, a former "
            "harbour pilot, confirmed on Friday."
        )
    )
    assert found.cue == "confirmed"
    assert found.content == "The ferry will stop running in June"


def test_adverbial_clause_before_the_subject_is_not_content(statements: Statements) -> None:
    found = statements("Though she rarely talks about taxes, Alvarez promised to cut them.")
    promised = _only([s for s in found if s.cue == "promised"])
    assert promised.content == "to cut them"
    assert promised.speaker is not None and promised.speaker.name == "Maria Alvarez"


def test_infinitive_after_a_cue_is_not_an_adjunct(statements: Statements) -> None:
    found = _only(statements("With the vote near, most members want to delay the count."))
    assert found.cue == "want"
    assert "delay the count" in found.content


def test_cue_without_a_complement_does_not_cut_a_parenthetical_report(
    statements: Statements,
) -> None:
    found = _only(
        statements(
            "To win the district, organisers said, the party must consider cheaper bus fares."
        )
    )
    assert found.cue == "said"
    assert "cheaper bus fares" in found.content


# -- what is not an attribution -----------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Alvarez will chase the bus to the depot.",
        "Harper walked to the harbour after lunch.",
        "The bridge was closed for repairs on Monday.",
        "A man named Harper opened a bakery.",
    ],
)
def test_actions_and_descriptions_are_not_attributions(statements: Statements, text: str) -> None:
    assert [(s.cue, s.content) for s in statements(text)] == []

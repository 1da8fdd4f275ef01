"""The statements stage on hand-written articles: quotes, reported speech, speakers, ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemas import Article, Statement
from streams.pipeline import Pipeline
from streams.resources import Resources
from streams.statements.cues import find_cues
from streams.statements.quotes import find_quotations
from streams.text import paragraph_spans

_KB = """\
actors:
  - id: Q9000001
    name: Maria Alvarez
    type: person
    aliases: [Alvarez]
  - id: Q9000002
    name: John Harper
    type: person
    aliases: [Harper]
  - id: Q9000003
    name: Karen Whitfield
    type: person
    aliases: [Whitfield]
  - id: Q9000004
    name: Northland Party
    type: organization
"""

_STAGES = ("wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.statements.v1")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    kb = tmp_path_factory.mktemp("kb") / "actors.yaml"
    kb.write_text(_KB, encoding="utf-8")
    return Pipeline(Resources(actors_file=kb), stages=_STAGES)


@pytest.fixture
def statements(pipeline: Pipeline) -> Callable[[str], list[Statement]]:
    """Run the pipeline on a body text and return its statements."""

    def run(body: str, headline: str = "Budget talks") -> list[Statement]:
        return pipeline.extract(
            Article(uri="urn:test:statements", headline=headline, body_text=body)
        ).statements

    return run


def _only(found: list[Statement]) -> Statement:
    assert len(found) == 1, [s.content for s in found]
    return found[0]


def _speaker(statement: Statement) -> str | None:
    return statement.speaker.name if statement.speaker else None


# -- direct quotes ---------------------------------------------------------------------------
def test_curly_and_straight_quotes(statements: Callable[..., list[Statement]]) -> None:
    curly = _only(statements("\u201cWe will not raise taxes,\u201d Harper said."))
    straight = _only(statements('"We will not raise taxes," Harper said.'))
    for found in (curly, straight):
        assert found.kind == "direct"
        assert "We will not raise taxes" in found.content
        assert _speaker(found) == "John Harper"
        assert found.cue == "said"


def test_quote_split_around_attribution_is_one_statement(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "\u201cThe budget is fair,\u201d Alvarez said, "
        "\u201cand it protects the poorest families.\u201d"
    )
    found = _only(statements(body))
    assert found.kind == "direct"
    assert (
        found.content
        == "\u201cThe budget is fair,\u201d \u201cand it protects the poorest families.\u201d"
    )
    assert _speaker(found) == "Maria Alvarez"
    text = "Budget talks\n\n" + body
    assert text[found.span[0] : found.span[1]].startswith("\u201cThe budget")
    assert text[found.span[0] : found.span[1]].endswith("families.\u201d")


def test_multi_sentence_quote_is_one_statement(statements: Callable[..., list[Statement]]) -> None:
    body = 'Harper said: "The plan is dead. Nobody supports it. We start again on Monday."'
    found = _only(statements(body))
    assert found.kind == "direct"
    assert "Nobody supports it." in found.content and "We start again on Monday." in found.content
    assert _speaker(found) == "John Harper"


def test_unclosed_paragraph_quote_continues_in_next_paragraph(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "\u201cWe have waited long enough for this reform,\u201d Whitfield said. "
        "\u201cThe voters asked for it.\n\n"
        "\u201cNow the parliament has to deliver it before the summer.\u201d\n\n"
        "The vote is expected next week."
    )
    found = _only(statements(body))
    assert _speaker(found) == "Karen Whitfield"
    assert "We have waited" in found.content
    assert "The voters asked for it." in found.content
    assert "before the summer" in found.content


def test_whole_sentence_quote_continues_previous_speaker(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "\u201cThis is a good day,\u201d Alvarez said. "
        "\u201cWe fought for every line of this bill.\u201d"
    )
    found = _only(statements(body))
    assert "every line of this bill" in found.content
    assert _speaker(found) == "Maria Alvarez"


def test_speaker_named_after_quote_with_inverted_cue(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(
        statements("\u201cIt is a disgrace,\u201d said Karen Whitfield, the party leader.")
    )
    assert found.kind == "direct"
    assert _speaker(found) == "Karen Whitfield"
    assert found.content == "\u201cIt is a disgrace,\u201d"


def test_speaker_named_before_quote(statements: Callable[..., list[Statement]]) -> None:
    found = _only(statements("Whitfield told reporters: \u201cThe deal is off.\u201d"))
    assert found.kind == "direct"
    assert _speaker(found) == "Karen Whitfield"
    assert found.content == "\u201cThe deal is off.\u201d"


def test_speaker_in_previous_sentence_for_cueless_quote(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "Harper left the meeting early.\n\n"
        "\u201cI will not sign a budget that cuts pensions for people who worked all their "
        "lives.\u201d"
    )
    found = _only(statements(body))
    assert found.kind == "direct"
    assert _speaker(found) == "John Harper"
    assert found.cue is None
    with_cue = _only(
        statements("\u201cI will not sign a budget that cuts pensions,\u201d Harper said.")
    )
    assert found.confidence < with_cue.confidence


def test_pronoun_speaker_resolves_to_previous_actor(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "Alvarez spoke in the capital on Monday.\n\n"
        "\u201cThe numbers do not add up,\u201d she added."
    )
    found = _only(statements(body))
    assert _speaker(found) == "Maria Alvarez"
    assert found.cue == "added"
    text = "Budget talks\n\n" + body
    assert found.speaker_span is not None
    assert text[found.speaker_span[0] : found.speaker_span[1]] == "she"


def test_pronoun_speaker_skips_people_named_inside_quotes(
    statements: Callable[..., list[Statement]],
) -> None:
    body = "Harper arrived late.\n\n\u201cI never trusted Karen Whitfield on this,\u201d he said."
    found = _only(statements(body))
    assert _speaker(found) == "John Harper"


def test_scare_quotes_are_not_statements(statements: Callable[..., list[Statement]]) -> None:
    assert (
        statements("The so-called \u201creform\u201d passed on Tuesday after a long night.") == []
    )


# -- reported speech -------------------------------------------------------------------------
def test_indirect_said_that_clause_is_content(statements: Callable[..., list[Statement]]) -> None:
    found = _only(statements("Harper said on Tuesday that the budget would be balanced by 2027."))
    assert found.kind == "indirect"
    assert found.content == "that the budget would be balanced by 2027"
    assert _speaker(found) == "John Harper"
    assert found.cue == "said"


def test_indirect_told_reporters_reaches_the_reported_clause(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("Alvarez told reporters in Brussels that the talks had failed."))
    assert found.content == "that the talks had failed"
    assert _speaker(found) == "Maria Alvarez"


def test_partial_quote_inside_reported_speech_is_one_indirect_statement(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(
        statements("Whitfield said the proposal was \u201ca recipe for disaster\u201d for farmers.")
    )
    assert found.kind == "indirect"
    assert found.content == "the proposal was \u201ca recipe for disaster\u201d for farmers"
    assert _speaker(found) == "Karen Whitfield"


def test_according_to_attribution(statements: Callable[..., list[Statement]]) -> None:
    before = _only(statements("According to Harper, the budget will be published on Friday."))
    after = _only(statements("The budget will be published on Friday, according to Harper."))
    for found in (before, after):
        assert found.cue == "According to" or found.cue == "according to"
        assert (
            found.content == "the budget will be published on Friday"
            or found.content.startswith("The budget")
        )
        assert _speaker(found) == "John Harper"


def test_postposed_attribution_takes_the_clause_before(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("The reform will cost billions, Alvarez said on Tuesday."))
    assert found.kind == "indirect"
    assert found.content == "The reform will cost billions"
    assert _speaker(found) == "Maria Alvarez"


def test_parenthetical_attribution_covers_both_sides(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("The reform, Harper said, will cost billions over ten years."))
    assert found.content == "The reform will cost billions over ten years"
    assert _speaker(found) == "John Harper"


def test_non_actor_source_has_null_speaker_but_a_span(
    statements: Callable[..., list[Statement]],
) -> None:
    body = "Government officials said the airport would reopen on Thursday."
    found = _only(statements(body))
    assert found.speaker is None
    assert found.speaker_span is not None
    text = "Budget talks\n\n" + body
    assert text[found.speaker_span[0] : found.speaker_span[1]] == "Government officials"
    assert found.content == "the airport would reopen on Thursday"


@pytest.mark.parametrize(
    ("sentence", "cue", "content"),
    [
        (
            "Harper urged lawmakers to pass the bill quickly.",
            "urged",
            "lawmakers to pass the bill quickly",
        ),
        ("Harper warned that the deficit would grow.", "warned", "that the deficit would grow"),
        ("Harper insisted that the plan was legal.", "insisted", "that the plan was legal"),
        (
            "Harper praised the negotiators for their patience.",
            "praised",
            "the negotiators for their patience",
        ),
        (
            "Harper emphasised that no pensions would be cut.",
            "emphasised",
            "that no pensions would be cut",
        ),
        (
            "Harper emphasized that no pensions would be cut.",
            "emphasized",
            "that no pensions would be cut",
        ),
        ("Harper called for an independent inquiry.", "called for", "an independent inquiry"),
        (
            "Harper expressed concern about the new tariffs.",
            "expressed",
            "concern about the new tariffs",
        ),
        ("Harper argued that the tax was unfair.", "argued", "that the tax was unfair"),
        (
            "Harper claimed that the vote had been rigged.",
            "claimed",
            "that the vote had been rigged",
        ),
        ("Harper denied that he had met the lobbyists.", "denied", "that he had met the lobbyists"),
        (
            "Harper accused the government of hiding the figures.",
            "accused",
            "the government of hiding the figures",
        ),
        (
            "Harper believes that the economy will recover.",
            "believes",
            "that the economy will recover",
        ),
        ("Harper thinks the economy will recover.", "thinks", "the economy will recover"),
        ("Harper wants to abolish the tax.", "wants", "to abolish the tax"),
    ],
)
def test_reporting_verbs_give_indirect_statements(
    statements: Callable[..., list[Statement]], sentence: str, cue: str, content: str
) -> None:
    found = _only(statements(sentence))
    assert (found.cue, found.content, found.kind) == (cue, content, "indirect")
    assert _speaker(found) == "John Harper"


def test_coordinated_cue_shares_the_subject(statements: Callable[..., list[Statement]]) -> None:
    found = statements("Alvarez praised the negotiators and said that a deal was close.")
    assert [(s.cue, _speaker(s)) for s in found] == [
        ("praised", "Maria Alvarez"),
        ("said", "Maria Alvarez"),
    ]
    assert found[0].content == "the negotiators"
    assert found[1].content == "that a deal was close"


def test_participle_cue_shares_the_subject(statements: Callable[..., list[Statement]]) -> None:
    found = statements(
        "Harper, in an interview on Friday, rejected the offer, saying it came too late."
    )
    saying = next(s for s in found if s.cue == "saying")
    assert _speaker(saying) == "John Harper"
    assert saying.content == "it came too late"


def test_nested_attribution_keeps_only_the_outer_statement(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("Whitfield said that Harper had told donors the party was broke."))
    assert found.cue == "said"
    assert _speaker(found) == "Karen Whitfield"


# -- ids, offsets, confidence ----------------------------------------------------------------
def test_statement_ids_are_stable_and_unique(statements: Callable[..., list[Statement]]) -> None:
    body = "Harper said the talks failed. Alvarez said the talks succeeded."
    first, second = statements(body), statements(body)
    assert [s.id for s in first] == [s.id for s in second]
    assert len({s.id for s in first}) == 2


def test_spans_point_at_the_content_in_the_article_text(
    statements: Callable[..., list[Statement]],
) -> None:
    body = "Harper said the talks failed. \u201cWe go home,\u201d Alvarez said."
    text = "Budget talks\n\n" + body
    for found in statements(body):
        assert text[found.span[0] : found.span[1]] == found.content
        assert (
            found.cue_span is not None and text[found.cue_span[0] : found.cue_span[1]] == found.cue
        )


def test_confidence_is_lower_without_a_resolved_speaker(
    statements: Callable[..., list[Statement]],
) -> None:
    named = _only(statements("Harper said the talks had failed."))
    unresolved = _only(statements("They said the talks had failed."))
    assert 0.0 <= unresolved.confidence < named.confidence <= 1.0


def test_headline_statement_is_found(statements: Callable[..., list[Statement]]) -> None:
    found = statements("No details were given.", headline="Harper says budget will be balanced")
    assert [(s.cue, s.content, _speaker(s)) for s in found] == [
        ("says", "budget will be balanced", "John Harper")
    ]


# -- building blocks -------------------------------------------------------------------------
def test_quotations_join_an_unclosed_paragraph_with_the_next_opening_quote() -> None:
    text = "\u201cFirst part.\n\n\u201cSecond part.\u201d\n\nNo quote here."
    quotations = find_quotations(text, paragraph_spans(text))
    assert len(quotations) == 1
    assert [text[p.start : p.end] for p in quotations[0].parts] == [
        "\u201cFirst part.",
        "\u201cSecond part.\u201d",
    ]


def test_two_apostrophes_are_a_straight_double_quote() -> None:
    text = "''We won,'' she said."
    quotations = find_quotations(text, paragraph_spans(text))
    assert [text[q.start : q.end] for q in quotations] == ["''We won,''"]


def test_cue_words_inside_names_or_compounds_are_not_cues() -> None:
    assert [
        c.text for c in find_cues("Hope Hicks met the so-called experts. All told, it rained.")
    ] == []
    assert [c.lemma for c in find_cues("Fiorina said it. She thinks that it works.")] == [
        "say",
        "think",
    ]


def test_an_article_without_statements_gives_none(pipeline: Pipeline, tmp_path: Path) -> None:
    article = Article(
        uri="urn:test:none", headline="Storm hits coast", body_text="Rain fell all day."
    )
    assert pipeline.extract(article).statements == []


def test_nested_curly_quote_stays_inside_the_outer_quote(
    statements: Callable[..., list[Statement]],
) -> None:
    body = "Whitfield said: \u201cThey call it \u201creform\u201d but it is a tax on farmers.\u201d"
    found = _only(statements(body))
    assert (
        found.content == "\u201cThey call it \u201creform\u201d but it is a tax on farmers.\u201d"
    )
    assert _speaker(found) == "Karen Whitfield"


def test_quote_signed_with_a_dash_names_its_speaker(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "\u201cThe budget is a disgrace and everyone in this town knows it.\u201d "
        "\u2015 Karen Whitfield"
    )
    found = _only(statements(body))
    assert found.kind == "direct"
    assert _speaker(found) == "Karen Whitfield"
    assert found.cue == "\u2015"


def test_transcript_speaker_label_gives_a_direct_statement(
    statements: Callable[..., list[Statement]],
) -> None:
    body = (
        "HARPER: Well, look, the numbers are clear. We will balance the budget.\n\n"
        "The debate ended late."
    )
    found = _only(statements(body))
    assert found.kind == "direct"
    assert found.content == "Well, look, the numbers are clear. We will balance the budget"
    assert found.cue == ":"


def test_headline_style_name_colon_statement(statements: Callable[..., list[Statement]]) -> None:
    found = _only(
        statements("Alvarez: Pension cuts are off the table.\n\nThe minister spoke in Lima.")
    )
    assert found.content == "Pension cuts are off the table"
    assert _speaker(found) == "Maria Alvarez"


def test_reporting_word_forms_never_include_bare_prepositions() -> None:
    assert find_cues("in on at to of for about the a with by and or but out up") == []


def test_possessive_noun_cue_gives_a_statement(statements: Callable[..., list[Statement]]) -> None:
    found = _only(statements("Harper's claim that the deficit had vanished was widely doubted."))
    assert found.cue == "claim"
    assert found.content == "that the deficit had vanished was widely doubted"
    assert _speaker(found) == "John Harper"


def test_object_of_a_cue_keeps_a_nested_noun_cue_inside(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("Alvarez mocked Harper's claim that the deficit had vanished."))
    assert found.cue == "mocked"
    assert found.content == "Harper's claim that the deficit had vanished"
    assert _speaker(found) == "Maria Alvarez"


def test_passive_cue_takes_the_agent_not_the_subject(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("The budget was criticized by Harper for its pension cuts."))
    assert found.speaker is not None and _speaker(found) == "John Harper"
    unsourced = _only(statements("The budget was criticized for its pension cuts."))
    assert unsourced.speaker is None and unsourced.speaker_span is None


def test_sentence_initial_participle_takes_the_main_subject(
    statements: Callable[..., list[Statement]],
) -> None:
    found = statements("Noting that the polls had closed, Alvarez declared victory.")
    noting = next(s for s in found if s.cue == "Noting")
    assert _speaker(noting) == "Maria Alvarez"
    assert noting.content == "that the polls had closed"


def test_participle_before_a_quote_takes_the_main_subject(
    statements: Callable[..., list[Statement]],
) -> None:
    found = statements(
        "Harper rejected the plan on Monday, saying: \u201cIt is dead on arrival.\u201d"
    )
    assert [(s.cue, s.kind, _speaker(s)) for s in found] == [
        ("rejected", "indirect", "John Harper"),
        ("saying", "direct", "John Harper"),
    ]


def test_hedge_without_a_holder_is_a_sourceless_statement(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(statements("Polls closed at eight, and Harper appears to have won the district."))
    assert found.cue == "appears"
    assert found.content == "Harper appears to have won the district"
    assert found.speaker is None and found.speaker_span is None


def test_postposed_cue_after_a_partial_quote_with_inner_comma(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(
        statements(
            "Harper is \u201cthe worst negotiator in the country,\u201d Alvarez said on Monday."
        )
    )
    assert found.cue == "said"
    assert found.content == "Harper is \u201cthe worst negotiator in the country,\u201d"
    assert _speaker(found) == "Maria Alvarez"


def test_inverted_cue_with_a_lowercase_title(statements: Callable[..., list[Statement]]) -> None:
    found = _only(
        statements(
            "The party is broke, said former party treasurer Karen Whitfield, who quit in May."
        )
    )
    assert found.content == "The party is broke"
    assert _speaker(found) == "Karen Whitfield"


def test_subject_with_relative_clause_before_said(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(
        statements(
            "Harper, who has already sent fundraising pleas, said he also may campaign for her."
        )
    )
    assert found.content == "he also may campaign for her"
    assert _speaker(found) == "John Harper"


def test_dash_apposition_between_subject_and_cue(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(
        statements(
            "Harper \u2014 a teacher from the coast \u2014 says he will vote for the reform."
        )
    )
    assert _speaker(found) == "John Harper"
    assert found.content == "he will vote for the reform"


def test_cue_at_the_end_of_a_verb_chain_takes_the_clause_subject(
    statements: Callable[..., list[Statement]],
) -> None:
    found = _only(
        statements(
            "As supporters waited, Alvarez took to the radio to say that the count was fair."
        )
    )
    assert _speaker(found) == "Maria Alvarez"
    assert found.content == "that the count was fair"


def test_source_phrase_headed_by_a_common_noun_is_not_the_named_actor(
    statements: Callable[..., list[Statement]],
) -> None:
    critics = _only(statements("Harper's critics said the plan would fail."))
    assert critics.speaker is None or critics.speaker.name == "Harper's critics"  # a group, not Harper
    assert critics.source is not None and critics.source.kind == "group"
    campaign = _only(statements("The Harper campaign said the plan would work."))
    assert _speaker(campaign) == "John Harper"

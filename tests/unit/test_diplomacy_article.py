"""One diplomacy article we wrote, read end to end with the shipped knowledge base and models: the
people and their roles, every quote's speaker (pronouns included), the sources that name no one,
the stances an analyst would draw from it, and no junk actors. Each check is one test, so a failure
says which of the 19 broke."""

from __future__ import annotations

import pytest

from schemas import Article, EnrichedArticle, Statement
from streams.pipeline import Pipeline
from streams.resources import Resources

BODY = """\
GENEVA \u2014 United Nations Secretary-General Ant\u00f3nio Guterres opened a new round of peace talks on \
Monday, thanking Turkish Foreign Minister Hakan Fidan and Qatari mediators for their help. He said the \
first round had offered \u201ca real chance for a deal\u201d.

Iranian Foreign Minister Abbas Araghchi said he was guardedly hopeful about the negotiations. \u201cWe \
came here to work, not to posture,\u201d Araghchi told reporters.

Secretary of State Marco Rubio called on Iran to negotiate in good faith. Speaking of the talks, Rubio \
said the most anyone could expect from this round was a short pause in the fighting.

Rep. Dana Whitfield (D-Ohio) criticised Rubio, saying the administration had undermined the mediators. \
She said Congress would hold hearings on the talks next month.

A senior diplomat said the delegations would meet again on Friday. Officials said a draft text on the \
ceasefire was being prepared.
"""


@pytest.fixture(scope="module")
def record() -> EnrichedArticle:
    pipeline = Pipeline(Resources())
    return pipeline.extract(Article(uri="urn:test:diplomacy", headline="Envoys trade cautious hopes as Geneva talks resume",
                                    body_text=BODY, published="2026-11-30T09:00:00Z"))


def _actor(record: EnrichedArticle, name: str):  # type: ignore[no-untyped-def]
    found = [a for a in record.actors if a.name == name]
    assert found, sorted(a.name for a in record.actors)
    return found[0]


def _statement(record: EnrichedArticle, words: str) -> Statement:
    found = [s for s in record.statements if words in s.content]
    assert len(found) == 1, [(s.cue, s.content) for s in record.statements]
    return found[0]


def _speaker(record: EnrichedArticle, words: str) -> str | None:
    statement = _statement(record, words)
    return statement.speaker.name if statement.speaker else None


def _stances(record: EnrichedArticle) -> set[tuple[str, str, str]]:
    return {(s.holder.name, s.target.name, s.polarity) for s in record.stances}


# -- people and roles (1-4) --------------------------------------------------------------------
def test_01_guterres_is_the_knowledge_base_actor_with_his_un_role(record: EnrichedArticle) -> None:
    guterres = _actor(record, "Ant\u00f3nio Guterres")
    assert guterres.id == "Q311440"
    assert ("Secretary-General", "United Nations") in {(r.title, r.affiliation) for r in guterres.roles}


def test_02_fidan_is_turkey_s_foreign_minister(record: EnrichedArticle) -> None:
    fidan = _actor(record, "Hakan Fidan")
    assert ("Foreign Minister", "Turkey") in {(r.title, r.affiliation) for r in fidan.roles}


def test_03_a_congresswoman_outside_the_knowledge_base_is_an_actor(record: EnrichedArticle) -> None:
    whitfield = _actor(record, "Dana Whitfield")
    assert whitfield.type == "person" and not whitfield.in_knowledge_base


def test_04_no_junk_actors(record: EnrichedArticle) -> None:
    names = {a.name for a in record.actors}
    junk = {"GENEVA", "Geneva", "State", "Secretary", "Monday", "Friday", "Officials", "Rep", "D-Ohio"}
    assert not names & junk, names
    assert all(a.type != "person" or " " in a.name for a in record.actors), names


# -- quotes and their speakers (5-11) --------------------------------------------------------------
def test_05_a_participle_phrase_does_not_steal_the_pronoun(record: EnrichedArticle) -> None:
    assert _speaker(record, "a real chance for a deal") == "Ant\u00f3nio Guterres"


def test_06_reported_hope_is_araghchi_s(record: EnrichedArticle) -> None:
    assert _speaker(record, "guardedly hopeful") == "Abbas Araghchi"


def test_07_a_direct_quote_is_araghchi_s(record: EnrichedArticle) -> None:
    quote = _statement(record, "We came here to work")
    assert quote.kind == "direct" and quote.speaker is not None and quote.speaker.name == "Abbas Araghchi"


def test_08_the_demand_is_rubio_s(record: EnrichedArticle) -> None:
    assert _speaker(record, "negotiate in good faith") == "Marco Rubio"


def test_09_the_pessimism_is_rubio_s(record: EnrichedArticle) -> None:
    assert _speaker(record, "the most anyone could expect") == "Marco Rubio"


def test_10_she_is_the_congresswoman(record: EnrichedArticle) -> None:
    assert _speaker(record, "Congress would hold hearings") == "Dana Whitfield"


def test_11_unnamed_sources_are_kept_with_their_kind(record: EnrichedArticle) -> None:
    diplomat = _statement(record, "meet again on Friday")
    officials = _statement(record, "draft text")
    assert diplomat.speaker is None and diplomat.source is not None and diplomat.source.kind == "anonymous"
    assert officials.speaker is None and officials.source is not None and officials.source.kind == "group"


# -- stances (12-19) -------------------------------------------------------------------------------
def test_12_hope_about_the_talks_is_positive(record: EnrichedArticle) -> None:
    assert ("Abbas Araghchi", "peace talks", "positive") in _stances(record)


def test_13_a_real_chance_for_a_deal_is_positive(record: EnrichedArticle) -> None:
    assert ("Ant\u00f3nio Guterres", "peace talks", "positive") in _stances(record)


def test_14_the_most_anyone_can_expect_is_pessimism(record: EnrichedArticle) -> None:
    stances = _stances(record)
    assert ("Marco Rubio", "peace talks", "negative") in stances
    assert ("Marco Rubio", "peace talks", "positive") not in stances


def test_15_a_demand_is_not_praise(record: EnrichedArticle) -> None:
    toward_iran = {p for h, t, p in _stances(record) if h == "Marco Rubio" and t == "Iran"}
    assert "positive" not in toward_iran


def test_16_criticism_of_rubio(record: EnrichedArticle) -> None:
    assert ("Dana Whitfield", "Marco Rubio", "negative") in _stances(record)


def test_17_thanks_are_positive(record: EnrichedArticle) -> None:
    assert ("Ant\u00f3nio Guterres", "Hakan Fidan", "positive") in _stances(record)


def test_18_no_stance_toward_one_s_own_country_or_body(record: EnrichedArticle) -> None:
    pairs = {(h, t) for h, t, _ in _stances(record)}
    assert ("Hakan Fidan", "Turkey") not in pairs and ("Ant\u00f3nio Guterres", "United Nations") not in pairs
    assert ("United Nations", "Turkey") not in pairs and ("Ant\u00f3nio Guterres", "Turkey") not in pairs


def test_19_one_stance_per_holder_target_and_polarity_and_none_unexpected(record: EnrichedArticle) -> None:
    keys = [(s.holder.id, s.target.id, s.polarity) for s in record.stances]
    assert len(keys) == len(set(keys))
    expected = {
        ("Abbas Araghchi", "peace talks", "positive"),
        ("Ant\u00f3nio Guterres", "peace talks", "positive"),
        ("Ant\u00f3nio Guterres", "Hakan Fidan", "positive"),
        ("Ant\u00f3nio Guterres", "Qatar", "positive"),
        ("Marco Rubio", "peace talks", "negative"),
        ("Marco Rubio", "ceasefire", "negative"),
        ("Marco Rubio", "Iran", "negative"),
        ("Dana Whitfield", "Marco Rubio", "negative"),
    }
    # precision on this article: every stance found is one an analyst would draw
    assert _stances(record) <= expected, _stances(record) - expected

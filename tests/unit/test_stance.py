"""The stance stage on articles written for these tests (actor->actor and actor->topic stances)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from schemas import ActorRef, Article, Stance, Statement
from schemas.errors import ConfigError
from streams.pipeline import Pipeline
from streams.resources import Resources
from streams.stance.lexicon import StanceLexicon
from streams.stance.pairs import PairModel
from streams.stance.stage import stance_stage

KB = """\
version: 1
actors:
  - {id: Q148, name: China, type: country, country: CHN, demonyms: [Chinese], metonyms: [Beijing]}
  - {id: Q43, name: Turkey, type: country, country: TUR, demonyms: [Turkish, Turks]}
  - {id: Q212, name: Ukraine, type: country, country: UKR, demonyms: [Ukrainian], metonyms: [Kyiv]}
  - {id: Q159, name: Russia, type: country, country: RUS, demonyms: [Russian], metonyms: [Moscow]}
  - {id: Q22686, name: Donald Trump, type: person, country: USA, aliases: [Trump]}
  - {id: ww:person:ana-ruiz, name: Ana Ruiz, type: person, aliases: [Ruiz]}
  - {id: ww:person:karl-weber, name: Karl Weber, type: person, aliases: [Weber]}
"""

_BEFORE_STANCE = ["wirewatch.ner.v1", "wirewatch.actors.v1"]
if importlib.util.find_spec("streams.statements.stage") is not None:
    _BEFORE_STANCE.append("wirewatch.statements.v1")
_BEFORE_STANCE.append("wirewatch.topics.v1")


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> Resources:
    path = tmp_path_factory.mktemp("kb") / "actors.yaml"
    path.write_text(KB, encoding="utf-8")
    return Resources(actors_file=path)


@pytest.fixture(scope="module")
def pipeline(resources: Resources) -> Pipeline:
    return Pipeline(resources, [*_BEFORE_STANCE, "wirewatch.stance.v1"])


@pytest.fixture(scope="module")
def stances(pipeline: Pipeline):
    def run(body: str, headline: str = "") -> list[Stance]:
        return pipeline.extract(Article(uri="test:stance", headline=headline, body_text=body)).stances

    return run


def _topic(stances: list[Stance], topic: str = "peace-talks") -> list[Stance]:
    return [s for s in stances if s.target.id == f"topic:{topic}"]


def _between(stances: list[Stance], holder: str, target: str) -> list[Stance]:
    return [s for s in stances if s.holder.name == holder and s.target.name == target]


def test_pessimism_about_talks_is_negative_even_with_positive_words(stances) -> None:
    found = _topic(stances('"The most we can expect from this round of peace talks is a short pause in the '
                           'fighting," Ana Ruiz said.'))
    assert [(s.holder.name, s.polarity) for s in found] == [("Ana Ruiz", "negative")]


def test_hedged_optimism_is_weakly_positive(stances) -> None:
    found = _topic(stances("Karl Weber said he was guardedly hopeful about the peace talks."))
    assert len(found) == 1
    assert found[0].holder.name == "Karl Weber"
    assert found[0].polarity == "positive"
    assert 0 < found[0].score < 0.5


def test_negated_doubt_is_positive(stances) -> None:
    found = _topic(stances("Ana Ruiz said there was no reason to doubt that the peace deal would hold."))
    assert [(s.holder.name, s.polarity) for s in found] == [("Ana Ruiz", "positive")]


def test_contrast_clause_wins(stances) -> None:
    found = _topic(stances("Despite the upbeat communique, Turkish delegates were sceptical about the peace talks."))
    assert [(s.holder.name, s.polarity) for s in found] == [("Turkey", "negative")]


def test_each_side_of_a_contrast_keeps_its_own_holder(stances) -> None:
    found = _topic(stances("Ukraine welcomed the peace plan, but Russia rejected it."))
    assert sorted((s.holder.name, s.polarity) for s in found) == [("Russia", "negative"), ("Ukraine", "positive")]


def test_unquoted_reported_stance_has_holder(pipeline: Pipeline) -> None:
    record = pipeline.extract(Article(uri="t", body_text="Gulf officials were sceptical of the peace plan."))
    found = _topic(record.stances)
    assert [(s.holder.name, s.polarity) for s in found] == [("Gulf officials", "negative")]
    holder = next(a for a in record.actors if a.id == found[0].holder.id)
    assert holder.type == "group"


def test_passive_topic_stance_holder_is_the_agent(stances) -> None:
    found = _topic(stances("The peace plan was rejected by Russia on Monday."))
    assert [(s.holder.name, s.polarity) for s in found] == [("Russia", "negative")]


def test_blamed_gives_negative_actor_to_actor_stance(stances) -> None:
    found = stances("Trump blamed China for the collapse of the trade deal.")
    assert [(s.polarity, s.target_kind) for s in _between(found, "Donald Trump", "China")] == [("negative", "actor")]
    assert not _between(found, "China", "Donald Trump")


def test_passive_voice_reverses_direction(stances) -> None:
    found = stances("China was blamed by Trump for the collapse of the trade deal.")
    assert [s.polarity for s in _between(found, "Donald Trump", "China")] == ["negative"]
    assert not _between(found, "China", "Donald Trump")


def test_participle_with_agent_reverses_direction(stances) -> None:
    found = stances("China, criticised by Trump for years, said nothing.")
    assert [s.polarity for s in _between(found, "Donald Trump", "China")] == ["negative"]


def test_critic_of_apposition_is_negative_toward_the_object(stances) -> None:
    found = stances("Karl Weber, a fierce critic of Ana Ruiz, spoke in Geneva on Monday.")
    assert [s.polarity for s in _between(found, "Karl Weber", "Ana Ruiz")] == ["negative"]


def test_drew_praise_from_reverses_direction(stances) -> None:
    found = stances("Ana Ruiz drew praise from Karl Weber for the way she ran the meeting.")
    assert [s.polarity for s in _between(found, "Karl Weber", "Ana Ruiz")] == ["positive"]
    assert not _between(found, "Ana Ruiz", "Karl Weber")


def test_negated_trust_is_negative_but_negated_criticism_is_not(stances) -> None:
    distrust = stances("Karl Weber did not trust Ana Ruiz at all.")
    assert [s.polarity for s in _between(distrust, "Karl Weber", "Ana Ruiz")] == ["negative"]
    restraint = stances("Karl Weber did not criticise Ana Ruiz at all.")
    assert all(s.polarity != "negative" for s in _between(restraint, "Karl Weber", "Ana Ruiz"))


def test_praise_gives_positive_actor_stance_and_no_topic_stance(stances) -> None:
    found = stances("Ana Ruiz praised Karl Weber for his work on the ceasefire agreement.")
    assert [s.polarity for s in _between(found, "Ana Ruiz", "Karl Weber")] == ["positive"]
    assert not [s for s in found if s.target_kind == "topic"]


def test_neutral_actor_stance_needs_an_interaction(stances) -> None:
    met = stances("Ana Ruiz met Karl Weber in Geneva on Tuesday.")
    assert [(s.polarity, s.score) for s in _between(met, "Ana Ruiz", "Karl Weber")] == [("neutral", 0.0)]
    assert stances("Ana Ruiz and Karl Weber arrived in Geneva on Tuesday.") == []


def test_article_without_evaluative_content_has_no_stances(stances) -> None:
    body = ("Ana Ruiz arrived in Geneva on Tuesday morning.\n\nKarl Weber flew in from Berlin later that day. "
            "The two delegations are staying at the same hotel near the lake.\n\n"
            "The peace talks are scheduled to open on Thursday and to last three days.")
    assert stances(body, headline="Delegations arrive in Geneva") == []


def test_stance_parties_are_published_actors(pipeline: Pipeline) -> None:
    record = pipeline.extract(Article(uri="t", body_text=(
        "Turkish officials praised Ukraine. Russian diplomats were sceptical of the peace talks.")))
    actor_ids = {a.id for a in record.actors}
    assert record.stances
    for stance in record.stances:
        assert stance.holder.id in actor_ids
        assert stance.target.id in actor_ids or stance.target.id.startswith("topic:")
        assert isinstance(stance.evidence, str) or record.text_length >= stance.evidence[1]


def test_statement_speaker_holds_stance_with_statement_evidence(resources: Resources) -> None:
    before = Pipeline(resources, ["wirewatch.ner.v1", "wirewatch.actors.v1", "wirewatch.topics.v1"])
    body = 'Ana Ruiz spoke after the peace talks. "This round was a farce," she said.'
    doc = before.analyse(Article(uri="t", body_text=body))
    start = doc.text.index("This round")
    end = doc.text.index(",", start)
    doc.statements = [Statement(id="st1", speaker=ActorRef(id="ww:person:ana-ruiz", name="Ana Ruiz"),
                                content=doc.text[start:end], kind="direct", cue="said", span=(start, end),
                                confidence=0.9)]
    stance_stage(resources)(doc)
    found = _topic(doc.stances)
    assert [(s.holder.name, s.polarity, s.evidence) for s in found] == [("Ana Ruiz", "negative", "st1")]


def test_lexicon_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("version: 1\ncues:\n  - {cue: blamed, polarity: -3}\nmodifiers: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lexicon.yaml:3: cues\[0\]\.polarity"):
        StanceLexicon.load(path)


def test_unusable_pair_model_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"features": ["bias"], "weights": [[1, 2]], "bias": [0, 0, 0, 0, 0]}', encoding="utf-8")
    with pytest.raises(ConfigError, match="model.json"):
        PairModel.load(path)


def test_stance_stage_adds_only_stance_parties_and_never_a_place(resources: Resources) -> None:
    body = ("Benfica blamed Porto for the chaos. Officials in Beijing praised Karl Weber. "
            "Kowalski accused Ana Ruiz of lying, and Republicans condemned Weber.")
    article = Article(uri="t", body_text=body)
    before = Pipeline(resources, _BEFORE_STANCE).analyse(article)
    after = Pipeline(resources, [*_BEFORE_STANCE, "wirewatch.stance.v1"]).analyse(article)
    added = {actor_id: actor for actor_id, actor in after.actors.items() if actor_id not in before.actors}
    parties = {s.holder.id for s in after.stances} | {s.target.id for s in after.stances}
    assert added and set(added) <= parties, "an actor the actors stage skipped appears only as a stance party"
    assert all(actor.type != "country" for actor in added.values()), "'in Beijing' is a place, not China"
    assert all(actor.name == actor.name.strip(".,;") for actor in added.values())


def test_political_camp_holds_a_stance_as_a_group(pipeline: Pipeline) -> None:
    record = pipeline.extract(Article(uri="t", body_text="Democrats sharply criticised Karl Weber on Monday."))
    found = [s for s in record.stances if s.target.name == "Karl Weber"]
    assert [s.polarity for s in found] == ["negative"]
    holder = next(a for a in record.actors if a.id == found[0].holder.id)
    assert holder.type in ("group", "organization")


# -- fewer, truer stances ----------------------------------------------------------------------------
def test_one_stance_per_holder_target_and_polarity_carries_all_its_evidence(stances) -> None:
    found = _between(stances("Ana Ruiz condemned Russia on Monday. Ruiz later criticised Russia again in Kyiv."),
                     "Ana Ruiz", "Russia")
    assert len(found) == 1 and found[0].polarity == "negative"
    assert len(found[0].all_evidence) == 2 and found[0].evidence in found[0].all_evidence


def test_a_neutral_stance_yields_to_a_polar_one_for_the_same_pair(stances) -> None:
    found = _between(stances("Ana Ruiz met Karl Weber in Vienna. Later, Ruiz praised Weber for his patience."),
                     "Ana Ruiz", "Karl Weber")
    assert [s.polarity for s in found] == ["positive"]


def test_no_stance_toward_one_s_own_country(stances) -> None:
    found = stances("Turkish Foreign Minister Hakan Fidan praised Ukraine for its restraint.")
    assert not [s for s in found if s.target.name == "Turkey" or s.holder.name == "Turkey"]


def test_a_demand_is_pressure_not_praise(stances) -> None:
    found = stances("Ana Ruiz called on Russia to negotiate in good faith at the peace talks.")
    assert [s.polarity for s in _between(found, "Ana Ruiz", "Russia")] == ["negative"]
    assert not [s for s in _topic(found) if s.polarity == "positive"]


def test_the_talks_refers_back_to_the_topic_named_earlier(stances) -> None:
    found = stances("The peace talks resumed in Geneva on Monday.\n\nAna Ruiz said she was guardedly hopeful "
                    "about the negotiations.")
    assert [(s.holder.name, s.polarity) for s in _topic(found)] == [("Ana Ruiz", "positive")]


def test_a_real_chance_opened_at_last_is_positive(stances) -> None:
    found = stances("Speaking of the peace talks, Ana Ruiz said a real chance for a deal had opened at last.")
    assert [(s.holder.name, s.polarity) for s in _topic(found)] == [("Ana Ruiz", "positive")]

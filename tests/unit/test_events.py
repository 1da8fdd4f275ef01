"""The events stage on hand-written articles: types, source/recipient, place, date, status, negation, ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas import Article, EnrichedArticle, Event
from schemas.errors import ConfigError
from streams.events.dates import find_dates, resolve
from streams.events.lexicon import EventLexicon, tokenize, verb_forms
from streams.pipeline import DEFAULT_STAGES, Pipeline
from streams.resources import Resources

PUBLISHED = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(Resources())


@pytest.fixture
def extract(pipeline: Pipeline, article_factory: Callable[..., Article]) -> Callable[[str], EnrichedArticle]:
    def run(body: str) -> EnrichedArticle:
        return pipeline.extract(article_factory(headline="", body_text=body, published=PUBLISHED))

    return run


def _one(record: EnrichedArticle, event_type: str) -> Event:
    found = [e for e in record.events if e.type == event_type]
    assert len(found) == 1, [(e.type, e.trigger) for e in record.events]
    return found[0]


def _names(record: EnrichedArticle, ids: list[str]) -> set[str]:
    by_id = {a.id: a for a in record.actors}
    return {by_id[i].country or by_id[i].name for i in ids}


def test_events_stage_runs_last_by_default() -> None:
    assert DEFAULT_STAGES[-1] == "wirewatch.events.v1"


def test_planned_talks_with_place_and_weekday(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("GENEVA — Iran and the United States will hold talks in Geneva on Thursday, officials said.")
    talks = _one(record, "CONSULT")
    assert _names(record, talks.actors) == {"IRN", "USA"}
    assert talks.location is not None and talks.location.id == "ww:place:geneva"
    assert (talks.status, talks.date, talks.negated) == ("planned", "2026-12-03", False)
    start, end = talks.mentions[0]
    assert talks.trigger == "hold talks"
    assert end - start == len("hold talks")
    assert record.extractor["wirewatch.events.v1"] == "1.0.0"


def test_past_weekday_resolves_backwards_and_sanctions_have_a_recipient(
        extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("The European Union imposed sanctions on Belarus on Thursday.")
    sanction = _one(record, "SANCTION")
    assert _names(record, sanction.recipients) == {"BLR"}
    assert (sanction.status, sanction.date) == ("concluded", "2026-11-26")


def test_passive_swaps_source_and_recipient(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Israeli soldiers were attacked by Hamas near Gaza City yesterday.")
    attack = next(e for e in record.events if e.type in ("ASSAULT", "FIGHT"))
    assert _names(record, attack.actors) == {"PSE"}
    assert _names(record, attack.recipients) == {"ISR"}
    assert attack.date == "2026-11-29"


def test_hedged_and_cancelled_status(extract: Callable[[str], EnrichedArticle]) -> None:
    hedged = _one(extract("Turkey appears poised to impose sanctions on Syria next week."), "SANCTION")
    assert (hedged.status, hedged.date) == ("hedged", "2026-12-07")
    cancelled = _one(extract("The summit between Russia and China was called off."), "CONSULT")
    assert cancelled.status == "cancelled"


def test_ongoing_talks(extract: Callable[[str], EnrichedArticle]) -> None:
    assert _one(extract("Armenia and Azerbaijan are holding talks in Moscow."), "CONSULT").status == "ongoing"


def test_negated_attendance_is_one_event_with_both_mentions(extract: Callable[[str], EnrichedArticle]) -> None:
    meeting = _one(extract("Russia did not attend the meeting in Vienna last month."), "CONSULT")
    assert meeting.negated and len(meeting.mentions) == 2
    assert meeting.date == "2026-10"


def test_refusal_governs_the_meeting(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Russia refused to meet Ukrainian officials.")
    reject = _one(record, "REJECT")
    meeting = _one(record, "CONSULT")
    assert meeting.negated and meeting.confidence < reject.confidence


def test_agreement_to_talk_outranks_the_talks(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("India and Pakistan agreed to resume talks in March 2027.")
    agree, talks = _one(record, "AGREE"), _one(record, "CONSULT")
    assert talks.status == "planned" and talks.date == "2027-03"
    assert agree.confidence > talks.confidence


def test_statement_events_mirror_statements(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract('"We will not retreat," Vladimir Putin said on Monday.')
    assert record.statements
    statement = _one(record, "STATEMENT")
    assert statement.trigger == record.statements[0].cue
    assert statement.actors == ([record.statements[0].speaker.id] if record.statements[0].speaker else [])


def test_ids_are_stable_and_distinct(extract: Callable[[str], EnrichedArticle], pipeline: Pipeline) -> None:
    body = "Protesters rallied in Paris on Saturday. Police arrested 12 people."
    article = Article(uri="urn:test:ids", headline="", body_text=body, published=PUBLISHED)
    first, second = pipeline.extract(article), pipeline.extract(article)
    assert [e.id for e in first.events] == [e.id for e in second.events]
    assert len({e.id for e in first.events}) == len(first.events)
    assert {"PROTEST", "COERCE"} <= {e.type for e in first.events}


def test_military_context_makes_an_attack_a_fight(extract: Callable[[str], EnrichedArticle]) -> None:
    assert _one(extract("Russian artillery attacked Ukrainian positions near Bakhmut."), "FIGHT")
    assert _one(extract("A man attacked two women with a knife in Leeds."), "ASSAULT")


# -- the lexicon file and its parts -------------------------------------------------------------
def test_verb_forms_cover_regular_and_irregular_inflections() -> None:
    assert {"bans", "banned", "banning"} <= set(verb_forms("ban"))
    assert {"met", "meets", "meeting"} <= set(verb_forms("meet"))
    assert verb_forms("criticize")["criticized"] == "past"


def test_gap_patterns_and_lowercase_triggers() -> None:
    lexicon = EventLexicon.load()
    text = "Moscow called on Kyiv to withdraw. Talks resume on March 3. Thousands march in Rome."
    hits = lexicon.find(text, tokenize(text, 0, len(text)))
    found = {(text[h.start:h.end], h.entry.type) for h in hits}
    assert ("called on Kyiv to", "DEMAND") in found
    assert not any(t == "March" for t, _ in found)
    assert ("march", "PROTEST") in found


def test_bad_lexicon_entry_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("events:\n  - type: CONSULT\n    verbs: [meet]\n  - type: GOSSIP\n    nouns: [rumour]\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"events\.yaml:4: events\[1\]\.type"):
        EventLexicon.load(path)


def test_user_lexicon_file_is_used(tmp_path: Path, article_factory: Callable[..., Article]) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("events:\n  - type: PROTEST\n    verbs: [picnic]\n", encoding="utf-8")
    pipeline = Pipeline(Resources(events_lexicon_file=path))
    record = pipeline.extract(article_factory(body_text="Farmers picnicked outside parliament.", headline=""))
    assert [e.type for e in record.events if e.type != "STATEMENT"] == ["PROTEST"]


@pytest.mark.parametrize(("text", "forward", "expected"), [
    ("on Thursday", False, "2026-11-26"),
    ("on Thursday", True, "2026-12-03"),
    ("yesterday", False, "2026-11-29"),
    ("next week", True, "2026-12-07"),
    ("last month", False, "2026-10"),
    ("in 2022", False, "2022"),
    ("on March 3", False, "2026-03-03"),
    ("on March 3", True, "2027-03-03"),
    ("on 3 March 2021", False, "2021-03-03"),
])
def test_dates_resolve_against_publication(text: str, forward: bool, expected: str) -> None:
    mention = find_dates(text, 0, len(text))[0]
    assert resolve(mention, date(2026, 11, 30), forward) == expected


# -- argument and trigger rules ------------------------------------------------------------------
def test_demonym_leading_a_group_is_the_source_country(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Dutch officials criticised Belgium on Tuesday over the new border checks.")
    criticism = _one(record, "DISAPPROVE")
    assert _names(record, criticism.actors) == {"NLD"}
    assert _names(record, criticism.recipients) == {"BEL"}


def test_demonym_before_an_object_noun_is_only_a_recipient(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Chile rejected a Peruvian proposal on fishing rights.")
    rejection = _one(record, "REJECT")
    assert _names(record, rejection.actors) == {"CHL"}
    assert _names(record, rejection.recipients) == {"PER"}


def test_possessive_affiliation_stands_for_its_head(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Norway's deputy foreign minister visited Kenya on Friday.")
    visit = _one(record, "CONSULT")
    assert _names(record, visit.actors) == {"NOR"}
    assert _names(record, visit.recipients) == {"KEN"}


def test_subject_skips_a_mention_after_a_preposition(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("The ambassador of Peru Jorge Salinas met Bolivia's president on Monday.")
    meeting = _one(record, "CONSULT")
    assert "PER" not in _names(record, meeting.actors) or len(meeting.actors) == 1
    assert "BOL" in _names(record, meeting.recipients)


def test_control_verb_takes_the_recipients_of_the_event_it_governs(
        extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Japan promised to send emergency aid to Nepal.")
    promise = _one(record, "AGREE")
    assert _names(record, promise.actors) == {"JPN"}
    assert _names(record, promise.recipients) == {"NPL"}


def test_trigger_inside_a_name_is_not_an_event(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Officials of the North Atlantic Treaty Organization met in Oslo on Monday.")
    assert not [e for e in record.events if e.type == "AGREE"], [(e.type, e.trigger) for e in record.events]


def test_weak_noun_without_actors_is_dropped(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("The war changed everything for the town.")
    assert not [e for e in record.events if e.type == "FIGHT"]


def test_agent_nouns_and_weapon_nouns_are_not_events(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Police said the protesters found a bomb near the station.")
    assert not [e for e in record.events if e.type in ("PROTEST", "ASSAULT", "FIGHT")], \
        [(e.type, e.trigger) for e in record.events]


def test_trigger_after_the_first_predicate_ranks_lower(extract: Callable[[str], EnrichedArticle]) -> None:
    later = _one(extract("Ghana lifted a curfew in Tamale, where riots broke out last year."), "PROTEST")
    alone = _one(extract("Ghana saw riots in Tamale last year."), "PROTEST")
    assert later.confidence < alone.confidence


def test_organisation_named_after_a_country_gets_its_code(extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("The Kenyan Farmers Cooperative Union criticised the new tax on Monday.")
    criticism = _one(record, "DISAPPROVE")
    assert _names(record, criticism.actors) == {"KEN"}


def test_a_countrys_own_minister_is_not_the_recipient_of_its_delegation(
        extract: Callable[[str], EnrichedArticle]) -> None:
    record = extract("Turkey will send a delegation led by Foreign Minister Hakan Fidan to the next round of "
                     "ceasefire talks, officials said on Tuesday.")
    consult = [e for e in record.events if e.type == "CONSULT"]
    assert consult and _names(record, consult[0].actors) == {"TUR"}
    fidan = next(a.id for a in record.actors if a.name == "Hakan Fidan")
    assert all(fidan not in e.recipients for e in consult), consult

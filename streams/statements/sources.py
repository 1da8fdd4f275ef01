"""A statement's source phrase: its kind, and the speaker actor it names (in the knowledge base or not).

The speaker resolver (:mod:`~streams.statements.speakers`) finds *where* the source is ("Rep. Dana
Whitfield (D-Ohio) said", "a senior diplomat told reporters"); this module reads *what* it is:

* **named**: the phrase's head is a name. Its actor is the mention already resolved there, else a
  knowledge-base entry, else a new actor made from the name ("Ms. Alvarez" -> person "Alvarez";
  "WALLACE:" in a transcript -> person "Wallace"; "Boeing" -> organisation). A speaker in a source
  position is evidence enough that a lone name is an actor, which the actors stage alone cannot know.
* **proxy**: a spokesperson, campaign, office or official of a named actor speaks for it ("a
  spokeswoman for Hillary Clinton", "the Clinton campaign", "a Homeland Security Department
  official"): the speaker actor is the named owner; an apposition name beats it ("the state's
  campaign chairman, Phil Lovas," is Lovas).
* **anonymous / group / document**: no one named ("a senior official", "officials", "the report"):
  the statement keeps its ``source`` with that kind and a null speaker, unless a group or document
  names its owner ("Clinton supporters" -> the group "Clinton supporters", "a Bloomberg poll" ->
  Bloomberg).

Adverbs and time words a cue left at the end of the phrase ("Clinton now", "Wells Fargo just this
month") are trimmed first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schemas.enriched import ActorType, SourceKind
from streams.actors.knowledge import KnowledgeBase
from streams.actors.stage import kb_actor_record
from streams.document import ActorRecord, Document
from streams.statements.state import OTHER_PRONOUNS, Source, Token, tokenize

__all__ = ["SourceReading", "read_source"]


# Heads that are texts, polls or recordings.
_DOCUMENT_NOUNS = frozenset(
    """poll polls survey surveys report reports study studies analysis analyses data statement
    statements letter letters memo memos filing filings complaint complaints ruling rulings decision
    book article articles story stories ad ads advertisement tweet tweets post posts video videos
    document documents records record transcript transcripts research website lawsuit editorial
    message messages paper papers speech account emails email release releases notice order
    indictment review audit assessment estimate estimates figures forecast projections documentary
    footage spot commercial column op-ed blog page filing testimony announcement""".split()
)
# Heads that speak for the actor named with them ("the Trump campaign", "a spokesman for the Kremlin").
_PROXY_NOUNS = frozenset(
    """campaign camp spokesman spokeswoman spokesperson spokesmen spokespeople office
    administration team government ministry press lawyer lawyers attorney attorneys aide aides
    staff staffer staffers official officials diplomat diplomats source sources negotiator
    negotiators envoy representative representatives adviser advisers advisor advisors
    department agency embassy mission delegation headquarters leadership command military army
    police""".split()
)
# Plural heads that are not a proxy: people of a kind ("critics", "voters").
_PLURAL_ENDING = re.compile(r"(?:[^s]s|men|people|ren)$")
_DETERMINERS = frozenset(
    "a an the one two three four five several some many most another both all other top senior".split()
)
# Tokens a cue may leave at the end of a source phrase ("Clinton now said", "X just this month").
_TRAILING = frozenset(
    """now just also then still again this last next that week month year today yesterday
    tonight recently later earlier already once even never not n't is was has had isn't wasn't
    hasn't didn't doesn't""".split()
)
# Words that begin with a capital but are titles or descriptions, not names.
_TITLE_WORDS = frozenset(
    """mr mrs ms miss dr prof sir dame lord lady gen general sen senator rep representative gov
    governor president vice minister prime premier chancellor king queen prince princess sheikh
    emir pope secretary state attorney chief justice judge mayor ambassador spokesman spokeswoman
    chairman chairwoman chair director commissioner deputy interim acting former speaker leader
    house senate the a an foreign defence defense interior finance u.s us un eu uk nato""".split()
)
_HONORIFIC = re.compile(
    r"^(?:(?:mr|mrs|ms|miss|dr|prof|sir|dame|lord|lady|gen|sen|rep|gov|amb|lt|col|adm|sgt|rev)\.?\s+)+",
    re.IGNORECASE,
)
# "Rep. Dana Whitfield (D-Ohio)": the party and state in brackets are not part of the name.
_PARTY_TAG = re.compile(r"\s*\([^)]{1,20}\)\s*$")
_ORG_WORDS = frozenset(
    """committee department ministry party council commission agency association union company
    corporation corp inc ltd group institute university bank court office foundation coalition
    league federation organization organisation board service services news times post journal
    press network campaign administration fund bureau authority alliance forces army police
    congress parliament assembly""".split()
)
_NAME_JOINERS = frozenset({"de", "da", "van", "von", "der", "bin", "al", "al-", "la", "le", "of", "and", "&"})


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What a source phrase is: its kind and the actor it names (``None`` when it names no one)."""

    kind: SourceKind
    actor: ActorRecord | None


def read_source(doc: Document, kb: KnowledgeBase, source: Source, transcript: bool = False) -> SourceReading:
    """Read ``source`` (see the module docstring); new actors are added to ``doc.actors``.

    ``transcript`` is true for a "NAME:" label, where an all-capitals word is a speaker's name.
    """
    line_break = doc.text.rfind("\n", source.start, source.end)
    if line_break >= 0 and doc.text[line_break:source.end].strip():
        # "...A Sign Of Leadership\nMarco Rubio said": a headline line is no part of the source
        source.start = line_break + 1 + (len(doc.text[line_break + 1 : source.end])
                                          - len(doc.text[line_break + 1 : source.end].lstrip()))
    tokens = tokenize(doc.text, source.start, source.end)
    if source.pronoun:
        plural = bool(tokens) and tokens[0].lower in OTHER_PRONOUNS
        if source.actor is not None:
            return SourceReading("named", source.actor)
        return SourceReading("group" if plural else "anonymous", None)
    before = _NAME_BEFORE_APPOSITION.search(doc.text, max(0, source.start - 80), source.start)
    if before is not None and (tokens and (tokens[0].text[:1].isdigit() or tokens[0].text.islower())):
        # "Woodrow Benford, 58, who lives outside Minneapolis, says": the resolver took the apposition
        named = _actor_of_run(doc, kb, tokenize(doc.text, before.start("name"), before.end("name")), transcript)
        if named is not None:
            return SourceReading("named", named)
    core, apposition = _split_apposition(tokens)
    core, attached = _split_modifier(_trim(core))
    if not core:
        return SourceReading("anonymous", source.actor)
    head = core[-1]
    head_word = _bare(head.lower)
    run = _name_run(core)
    if run and run[-1] is head and head_word not in _DOCUMENT_NOUNS:
        actor = _actor_of_run(doc, kb, run, transcript) or source.actor
        if actor is not None:
            kind: SourceKind = "group" if actor.type == "group" else "named"
            return SourceReading(kind, actor)
    plural = bool(_PLURAL_ENDING.search(head_word)) and head_word not in ("press", "news", "campaign")
    named_in_apposition = _apposition_person(doc, kb, apposition)
    if named_in_apposition is not None:
        return SourceReading("named", named_in_apposition)
    if source.actor is None and not plural and core[0].lower == "the" and head_word in _PERSON_DESCRIPTIONS:
        # "the Indiana governor said", "the New York businessman says": the person in focus
        focus = _person_in_focus(doc, head.start, head_word)
        if focus is not None:
            return SourceReading("named", focus)
    owner = source.actor or _owner(doc, kb, core[:-1]) or _owner(doc, kb, attached)
    if head_word in _DOCUMENT_NOUNS:
        return SourceReading("document", owner)
    if head_word in _PROXY_NOUNS:
        if owner is not None:
            return SourceReading("named", owner)
        return SourceReading("group" if plural else "anonymous", None)
    if plural:
        if owner is not None and owner.type == "group":
            return SourceReading("group", owner)
        if owner is not None:
            return SourceReading("group", _group(doc, _phrase(doc, core), core[0].start, head.end))
        return SourceReading("group", None)
    return SourceReading("named" if source.actor is not None else "anonymous", source.actor)


# -- the phrase ----------------------------------------------------------------------------------
def _split_apposition(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """``(core, apposition)``: the words before the first comma, dash or bracket, and those after."""
    for index, token in enumerate(tokens):
        if token.text in (",", "\u2014", "\u2013", "--", "(") and index > 0:
            rest = [t for t in tokens[index + 1 :] if t.text not in (",", "\u2014", "\u2013", "--", ")")]
            if token.text == "(":
                # "Gov. Phil Bryant (R)": a party tag, then maybe an apposition after it
                close = next((i for i, t in enumerate(tokens) if t.text == ")" and i > index), None)
                tail = tokens[close + 1 :] if close is not None else []
                return tokens[:index], [t for t in tail if t.text not in (",", "\u2014", "\u2013", "--")]
            return tokens[:index], rest
    return tokens, []


def _trim(tokens: list[Token]) -> list[Token]:
    """Drop adverbs and time words at the end ("Clinton now") and determiners at the start, but
    keep "the" first, which marks a definite description ("the Vermont senator")."""
    words = list(tokens)
    while len(words) > 1 and (_plain(words[-1]) in _TRAILING or _is_adverb(words[-1])):
        words.pop()
    definite = bool(words) and words[0].lower == "the"
    while words and words[0].lower in _DETERMINERS:
        words.pop(0)
    return words[:0] if not words else ([Token(tokens[0].start, tokens[0].end, "the")] if definite else []) + words


def _split_modifier(words: list[Token]) -> tuple[list[Token], list[Token]]:
    """``(head phrase, attached)``: the words before the first preposition or participle after the
    head ("Sanders | on Tuesday", "a spokeswoman | for Hillary Clinton", "a poll | released in August")."""
    for index, token in enumerate(words):
        if index and token.lower in _ATTACHERS:
            return words[:index], words[index + 1 :]
    return words, []


def _plain(token: Token) -> str:
    return token.lower.replace("\u2019", "'")


_NAME_BEFORE_APPOSITION = re.compile(
    r"(?P<name>(?:[A-Z][\w.'\u2019-]+\s+){0,3}[A-Z][\w'\u2019-]+),\s+(?:\d{1,3},\s+)?\Z"
)
_ATTACHERS = frozenset(
    """on in at during for from of with by including released published issued who which that to
    after before since under over like""".split()
)
# Heads of a definite description of one person ("the Vermont senator", "the GOP nominee").
_PERSON_DESCRIPTIONS = frozenset(
    """governor senator congressman congresswoman nominee candidate businessman businesswoman mogul
    billionaire president minister premier chancellor secretary leader lawmaker mayor ambassador
    envoy diplomat general admiral judge justice prosecutor speaker chairman chairwoman executive
    founder actor actress singer star rapper officer spokesman spokeswoman commissioner director
    strategist adviser advisor activist""".split()
)
_NOT_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)


def _person_in_focus(doc: Document, position: int, head: str) -> ActorRecord | None:
    """The person a definite description stands for: of the people named in the two sentences
    before, the last one holding a matching title ("governor"); none when no one does (the last
    person named was another person too often to guess)."""
    sentence = doc.sentence_of(position)
    start = sentence[0] if sentence else position
    index = next((i for i, span in enumerate(doc.sentences) if span[0] == start), None)
    lo = doc.sentences[max(0, index - 2)][0] if index is not None else max(0, position - 400)
    people = [m.actor for m in doc.mentions_in(lo, position) if m.actor.type == "person"]
    titled = [p for p in people if any(head in (r.title or "").lower() for r in p.roles)]
    return titled[-1] if titled else None


def _is_adverb(token: Token) -> bool:
    return token.text.islower() and token.lower.endswith("ly") and len(token.text) > 4


def _bare(word: str) -> str:
    return re.sub(r"['\u2019]s?$", "", word)


def _capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


def _name_run(core: list[Token]) -> list[Token]:
    """The capitalised words (with name joiners and initials) ending the phrase, titles dropped."""
    run: list[Token] = []
    for token in reversed(core):
        if _capitalised(token) or (run and token.lower in _NAME_JOINERS and token.lower not in ("of", "and")):
            run.insert(0, token)
            continue
        if run and token.text in (".", "-", "&") and run[0].text[:1].isupper():
            run.insert(0, token)
            continue
        break
    while run and (run[0].text in (".", "-", "&") or _bare(run[0].lower).rstrip(".") in _TITLE_WORDS):
        run.pop(0)
    if run and all(_bare(t.lower) in _NOT_NAMES or t.text in (".", "-", "&") for t in run):
        return []
    return run


def _phrase(doc: Document, tokens: list[Token]) -> str:
    return doc.text[tokens[0].start : tokens[-1].end]


# -- actors --------------------------------------------------------------------------------------
def _actor_of_run(
    doc: Document, kb: KnowledgeBase, run: list[Token], transcript: bool, create: bool = True
) -> ActorRecord | None:
    """The actor a name run denotes: a resolved mention, a knowledge-base entry, a person of the
    article by surname, else (when ``create``) a new person or organisation."""
    start, end = run[0].start, run[-1].end
    mentioned = doc.actor_at(start, end)
    if mentioned is not None:
        return mentioned
    surface = _bare(_PARTY_TAG.sub("", doc.text[start:end]))
    if transcript and surface.isupper():
        surface = surface.title()
        known = _person_by_surname(doc, surface)
        if known is not None:
            doc.add_mention(known, start, end)
            return known
    match = kb.lookup(surface)
    if match is not None and match.kind != "demonym":
        record = kb_actor_record(doc, kb, match.actor)
        doc.add_mention(record, start, start + len(surface))
        return doc.actors[record.id]
    known = _person_by_surname(doc, surface)
    if known is not None:
        doc.add_mention(known, start, start + len(surface))
        return known
    if not create or (surface.isupper() and len(surface) <= 5 and not transcript):
        return None  # an acronym no one resolved ("GOP", "DNC"): leave it to the organisation stage
    kind = _kind_of(doc, surface, start, end)
    if kind is None or (kind == "person" and not transcript and not _named_person(doc, run)):
        return None
    name = _HONORIFIC.sub("", surface).strip() if kind == "person" else surface
    if not name or not name[:1].isupper():
        return None
    record = _record(doc, name, kind)
    doc.add_mention(record, start, start + len(surface))
    return doc.actors[record.id]


def _named_person(doc: Document, run: list[Token]) -> bool:
    """A run NER did not label still names a person when it is more than a capitalised first word
    ("Officials said", "Government officials"): two words, or one not opening its sentence, or an
    honorific before it."""
    if any(e.start < run[-1].end and run[0].start < e.end for e in doc.entities):
        return True
    if len(run) > 1 and _HONORIFIC.match(doc.text[run[0].start : run[-1].end]) is None:
        return True
    sentence = doc.sentence_of(run[0].start)
    opens = sentence is not None and not doc.text[sentence[0] : run[0].start].strip(" \"'\u201c\u2018-\u2014")
    return not opens or _HONORIFIC.match(doc.text[run[0].start : run[-1].end]) is not None


def _kind_of(doc: Document, surface: str, start: int, end: int) -> ActorType | None:
    """Person or organisation, by the NER label over the name, else by its words; ``None`` for a
    place, nationality, date or other name that is not an actor outside the knowledge base."""
    for entity in doc.entities:
        if entity.start < end and start < entity.end:
            if entity.label == "ORG":
                return "organization"
            if entity.label == "PERSON":
                return "person"
            return None
    words = surface.lower().split()
    if any(_bare(w) in _ORG_WORDS for w in words) or surface.isupper() and len(surface) > 5:
        return "organization"
    return "person"


def _person_by_surname(doc: Document, surface: str) -> ActorRecord | None:
    """A person of the article whose name ends with ``surface`` ("Wallace" -> "Chris Wallace")."""
    name = _HONORIFIC.sub("", surface).strip().lower()
    if not name:
        return None
    found = [a for a in doc.actors.values()
             if a.type == "person" and (a.name.lower() == name or a.name.lower().endswith(" " + name))]
    return found[0] if len(found) == 1 else None


def _owner(doc: Document, kb: KnowledgeBase, modifiers: list[Token]) -> ActorRecord | None:
    """The actor named among a head's modifiers ("Donald Trump's", "Homeland Security Department")."""
    if not modifiers:
        return None
    mentions = doc.mentions_in(modifiers[0].start, modifiers[-1].end)
    if mentions:
        return mentions[-1].actor
    words = list(modifiers)
    while words and not _capitalised(words[-1]):
        words.pop()  # "John Kasich's presidential | campaign", "Bernie Sanders' | campaign"
    run = _name_run(words)
    if not run:
        return None
    return _actor_of_run(doc, kb, run, transcript=False, create=_is_entity(doc, run))


def _is_entity(doc: Document, run: list[Token]) -> bool:
    return any(e.start < run[-1].end and run[0].start < e.end and e.label in ("PERSON", "ORG") for e in doc.entities)


def _apposition_person(doc: Document, kb: KnowledgeBase, apposition: list[Token]) -> ActorRecord | None:
    """A name making up the whole apposition ("the campaign chairman, Phil Lovas,")."""
    words = [t for t in apposition if t.text not in (".",)]
    if not words or len(words) > 5 or not all(_capitalised(t) or t.lower in _NAME_JOINERS for t in words):
        return None
    run = _name_run(apposition)
    if not run:
        return None
    return _actor_of_run(doc, kb, run, transcript=False)


def _record(doc: Document, name: str, kind: ActorType) -> ActorRecord:
    actor_id = f"ww:{kind}:{_slug(name)}"
    return doc.actors.get(actor_id) or ActorRecord(id=actor_id, name=name, type=kind)


def _group(doc: Document, name: str, start: int, end: int) -> ActorRecord:
    record = _record(doc, name, "group")
    doc.add_mention(record, start, end)
    return doc.actors[record.id]


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "unnamed"

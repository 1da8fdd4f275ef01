"""Stage ``wirewatch.actors.v1``: people, organisations and countries, one actor per real entity.

Mentions come from spaCy NER (boundaries and types corrected by :func:`streams.nlp.refine_entities`)
and from scanning the text for knowledge-base names, descriptors ("the UN chief") and metonyms
("the Kremlin" -> Russia). Within an article every other mention of a person named in full -- the
surname alone, the name in an all-caps headline, "Li" after "Li Peng" -- joins that person, and a
title-only mention ("the foreign minister") joins the person holding the title. An entity outside
the knowledge base gets a stable id from its type and name (``ww:person:mauro-vieira``). Places in
the dateline ("KYIV, Ukraine (AP) —") are not actors, and a capital after "in"/"to"/"from" is a
place, not a government.

A mention that only names someone's affiliation ("Putin" in "Putin's spokesman", "Australia" in
"Penny Wong, Australia's foreign minister") is listed on its actor but kept out of the document's
mention index, so pronoun and speaker resolution (``doc.last_actor_before``, ``doc.mentions_in``)
never pick it.

An actor outside the knowledge base gets a country from a country named at the head of its
affiliation or name: a person's role cue ("French National Assembly president Laurent Fabius"
-> FRA, even when "French National Assembly" itself is unknown) and an organisation's own name
("Latvian Constitutional Court" -> LVA, "Nigeria Police Force" -> NGA).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from schemas import Role
from schemas.enriched import ActorType
from streams.actors.knowledge import KBActor, KBMatch, KnowledgeBase, knowledge_base
from streams.actors.roles import (
    TITLE_PATTERN,
    RoleCue,
    inside_title,
    role_after,
    role_before,
    title_case,
)
from streams.document import ActorRecord, Document
from streams.nlp import Entity, refine_entities
from streams.registry import StageFn, register
from streams.resources import Resources

__all__ = ["ActorResolver", "kb_actor_record", "actors_stage", "find_dateline"]

_NER_TYPES: dict[str, ActorType] = {
    "PERSON": "person", "ORG": "organization", "GPE": "country", "NORP": "group",
}
# Entities that, when they contain a knowledge-base name, mean something else ("Bank of China",
# "Michael Jordan", "Washington Post").
_CONTAINER_LABELS = frozenset({"PERSON", "ORG", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"})
_HONORIFICS = re.compile(
    r"^(?:(?:mr|mrs|ms|miss|dr|prof|sir|dame|lord|lady|gen|sen|rep|gov|president|minister|king|"
    r"queen|prince|princess|sheikh|emir|pope|chancellor|premier)\.?\s+)+",
    re.IGNORECASE,
)
_POSSESSIVE_END = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
# "WASHINGTON (Reuters) -", "KYIV, Ukraine (AP) —", "BEIJING, March 3 (AP) --", "LONDON 1996-08-30"
_DATELINE = re.compile(
    r"(?P<place>[A-Z][A-Z.'\- ]{2,}?(?:,\s+[A-Z][\w.' -]+?)?)"
    r"(?:(?:,\s+\w+\.? \d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:-{1,2}|\u2014|\u2013)\s*"
    r"|\s+\d{4}-\d{2}-\d{2}\s*$)",
    re.MULTILINE,
)
_DATELINE_PARAGRAPH = re.compile(
    r"[A-Z][A-Z.'\- ]{2,}(?:,\s+[A-Z][\w.' -]+?)?\s+(?:\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?)"
)
_TITLE_ONLY = re.compile(
    r"\b[Tt]he\s+(?P<affil>(?-i:(?:[A-Z]\.){2,}|[A-Z][\w-]*)\s+)??(?P<title>" + TITLE_PATTERN
    + r")\b(?!\s+(?-i:[A-Z]))",
    re.IGNORECASE,
)
# Before a capital or a government building, these make it a place ("talks in Beijing").
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|to|from|near|into|outside|inside|across|around|via|over|toward|towards|within|"
    r"throughout|between|visit|visits|visited|visiting|arrived|landed|left|flew|based)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "Putin's spokesman", "Trump's lawyer": the possessor is an affiliation, not the subject.
_POSSESSIVE_TITLE_AFTER = re.compile(
    r"(?:'s|\u2019s|'|\u2019)\s+(?:(?:[a-z]+|[A-Z][\w-]+)\s+){0,2}?(?:" + TITLE_PATTERN
    + r"|aide|aides|lawyer|lawyers|attorney|wife|husband|office|government|campaign|spokesperson)\b",
    re.IGNORECASE,
)
# A word as names are written: letters with inner hyphens, apostrophes and dots ("O'Neill", "Jean-Pierre").
_WORD = re.compile(r"[\w\u00C0-\u024F](?:[\w\u00C0-\u024F.'\u2019-]*[\w\u00C0-\u024F])?")
_NAME_NEXT = re.compile(r"[ \t]+(?:[A-Z]\.[ \t]*)*[A-Z][\w\u00C0-\u024F'\u2019-]+")
_POSSESSIVE_NAME_AFTER = re.compile(r"(?:'s|\u2019s)\s+")
# "UN Secretary-General António Guterres", "U.S. President Donald Trump"
_TITLE_NAME_AFTER = re.compile(
    r"\s+(?:[A-Z][\w-]*\s+){0,2}?(?:" + TITLE_PATTERN + r")\s+(?-i:[A-Z])", re.IGNORECASE,
)
# "a spokesman for the Kremlin", "the ambassador of Brazil": the object is an affiliation.
_TITLE_OF_BEFORE = re.compile(
    r"\b(?:" + TITLE_PATTERN + r")\s+(?:for|of|to|at)\s+(?:the\s+)?$", re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    surface: str
    type: ActorType
    kb: KBActor | None
    #: "kb" (knowledge-base scan), "ner" (spaCy, refined) or "echo" (another mention of a person)
    source: str = "ner"
    #: for "echo" candidates: the full-name candidate they repeat
    echo_of: _Candidate | None = None


def find_dateline(doc: Document) -> tuple[int, int] | None:
    """The dateline ("WASHINGTON (Reuters) -", "LONDON 1996-08-30"), whose places are not actors.

    It opens the body, or is a paragraph of its own among the first three (after a headline).
    """
    body = doc.article.body_offset
    match = _DATELINE.match(doc.text, body, min(len(doc.text), body + 120))
    if match:
        return match.start(), match.end()
    for start, end in [p for p in doc.paragraphs if p[0] >= body][:3]:
        match = _DATELINE_PARAGRAPH.fullmatch(doc.text, start, end)
        if match:
            return start, end
    return None


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "unnamed"


def _clean_surface(surface: str) -> str:
    surface = _POSSESSIVE_END.sub("", surface.strip())
    if surface.lower().startswith("the "):
        surface = surface[4:]
    return surface.strip()


def _person_name(surface: str) -> str:
    return _HONORIFICS.sub("", _clean_surface(surface)).strip()


def kb_actor_record(doc: Document, kb: KnowledgeBase, kb_actor: KBActor) -> ActorRecord:
    """The document's record for a knowledge-base actor, created with its roles current on the
    article's publication date (or its open-ended roles when the date is unknown)."""
    existing = doc.actors.get(kb_actor.id)
    if existing is not None:
        return existing
    record = ActorRecord(id=kb_actor.id, name=kb_actor.name, type=kb_actor.type,
                         country=kb_actor.country, in_knowledge_base=True)
    day = doc.article.published.date() if doc.article.published else None
    for role in kb.current_roles(kb_actor, day):
        record.add_role(Role(title=role.title, affiliation=role.affiliation))
    return record


class ActorResolver:
    """Resolves an article's mentions to actors; one instance serves many articles."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def __call__(self, doc: Document) -> None:
        """Resolve the article's mentions to actors, with roles, in ``doc.actors``."""
        doc.dateline = find_dateline(doc)
        entities = refine_entities(doc.text, doc.entities, self.kb)
        doc.refined_entities = entities
        candidates = self._candidates(doc, entities)
        candidates = _with_echoes(doc, candidates, self.kb)
        candidates = [c for c in candidates if not _lone_unsupported_name(doc.text, c, self.kb)]
        person_starts = {c.start for c in candidates if c.type == "person"}
        records: dict[int, ActorRecord] = {}
        # full mentions first, so that an echo before its full name (a headline) finds its actor
        for cand in sorted(candidates, key=lambda c: c.echo_of is not None):
            actor = self._actor_for(doc, cand, records)
            if actor is None:
                continue
            if _only_affiliation(doc.text, cand, person_starts):
                _add_affiliation_mention(doc, actor, cand.start, cand.end)
            else:
                doc.add_mention(actor, cand.start, cand.end)
        self._read_roles(doc)
        self._title_only_mentions(doc)

    # -- mentions ------------------------------------------------------------------------------
    def _candidates(self, doc: Document, entities: list[Entity]) -> list[_Candidate]:
        containers = [(e.start, e.end) for e in entities if e.label in _CONTAINER_LABELS]
        found = [c for c in self._kb_candidates(doc, containers)]
        taken = [(c.start, c.end) for c in found]
        for ent in entities:
            cand = self._ner_candidate(doc, ent)
            if cand is None or any(s < cand.end and cand.start < e for s, e in taken):
                continue
            found.append(cand)
        found.sort(key=lambda c: (c.start, -c.end))
        return found

    def _kb_candidates(self, doc: Document, containers: list[tuple[int, int]]) -> list[_Candidate]:
        found = []
        for start, end, match in self.kb.scan(doc.text):
            if match.kind == "demonym" or self._in_dateline(doc, start):
                continue
            if any(s <= start and end <= e and e - s > end - start for s, e in containers):
                continue
            if match.kind == "metonym" and not self._metonym_is_actor(doc.text, start, end):
                continue
            if match.kind == "descriptor" and _NAME_NEXT.match(doc.text, end):
                continue  # "Palestinian President Yasser Arafat": a title before a name
            found.append(_Candidate(start, end, doc.text[start:end], match.actor.type, match.actor, "kb"))
        return found

    @staticmethod
    def _metonym_is_actor(text: str, start: int, end: int) -> bool:
        """"Beijing said" is China's government; "talks in Beijing" and "Beijing Normal" are not."""
        if _LOCATIVE_BEFORE.search(text, max(0, start - 25), start):
            return False
        following = text[end:end + 30].lstrip(" ")
        if following[:1].isupper():
            return False  # part of a longer name ("Washington Post")
        preceding = text[max(0, start - 30):start].rstrip(" ")
        last_word = preceding.rsplit(None, 1)[-1] if preceding.split() else ""
        return not (last_word[:1].isupper() and last_word.lower() != "the" and not preceding.endswith((".", ",")))

    def _ner_candidate(self, doc: Document, ent: Entity) -> _Candidate | None:
        actor_type = _NER_TYPES.get(ent.label)
        if actor_type is None or self._in_dateline(doc, ent.start) or inside_title(doc.text, ent.start, ent.end):
            return None
        start, end = ent.start, ent.end
        if doc.text[start:end].lower().startswith("the "):
            start += 4
        end = start + len(_POSSESSIVE_END.sub("", doc.text[start:end].rstrip()))
        surface = doc.text[start:end]
        if not surface[:1].isupper():
            return None
        match = self.kb.lookup(surface)
        if match is not None and match.kind == "metonym" and not self._metonym_is_actor(doc.text, start, end):
            return None
        kb_actor = self._usable(match, ent.label)
        if kb_actor is None and actor_type in ("country", "group"):
            # a GPE outside the KB is a city or region, a NORP a nationality: not actors
            return None
        return _Candidate(start, end, surface, kb_actor.type if kb_actor else actor_type, kb_actor)

    @staticmethod
    def _usable(match: KBMatch | None, label: str) -> KBActor | None:
        if match is None or match.kind == "demonym":
            return None
        if label == "PERSON" and match.actor.type != "person" and match.kind in ("metonym", "descriptor"):
            return None  # "Kremlin" is a metonym, but spaCy saw a person: trust neither
        return match.actor

    @staticmethod
    def _in_dateline(doc: Document, position: int) -> bool:
        return doc.dateline is not None and doc.dateline[0] <= position < doc.dateline[1]

    # -- actors --------------------------------------------------------------------------------
    def _actor_for(self, doc: Document, cand: _Candidate, records: dict[int, ActorRecord]) -> ActorRecord | None:
        if cand.echo_of is not None:
            record = records.get(id(cand.echo_of))
            if record is not None:
                records[id(cand)] = record
            return record
        if cand.kb is not None:
            record = kb_actor_record(doc, self.kb, cand.kb)
        else:
            name = _person_name(cand.surface) if cand.type == "person" else _clean_surface(cand.surface)
            if not name:
                return None
            actor_id = f"ww:{cand.type}:{_slug(name)}"
            record = doc.actors.get(actor_id) or ActorRecord(
                id=actor_id, name=name, type=cand.type,
                country=self._leading_country(name) if cand.type == "organization" else None)
        records[id(cand)] = record
        return record

    # -- roles ---------------------------------------------------------------------------------
    def _read_roles(self, doc: Document) -> None:
        day = doc.article.published.date() if doc.article.published else None
        for mention in doc.mentions():
            if mention.actor.type != "person":
                continue
            sentence = doc.sentence_of(mention.start) or (0, len(doc.text))
            for cue in (role_before(doc.text, sentence[0], mention.start),
                        role_after(doc.text, mention.end, sentence[1])):
                if cue is not None:
                    self._apply_role(mention.actor, cue, day)

    def _apply_role(self, actor: ActorRecord, cue: RoleCue, day: date | None = None) -> None:
        affiliation, country = self._affiliation(cue.affiliation)
        if cue.title is None and affiliation is None:
            return
        if country and not actor.country:
            actor.country = country
        if cue.title is None:
            # ``Role.title`` is required in schema v1, so a bare possessive ("India's X") can only
            # say which country the person belongs to.
            return
        kb_actor = self.kb.actors.get(actor.id) if actor.in_knowledge_base else None
        # "Prime Minister X" in an article dated after X's KB role ended names a past post
        former = cue.former or (kb_actor is not None
                                and self.kb.held_only_before(kb_actor, cue.title, affiliation, day))
        actor.add_role(Role(title=cue.title, affiliation=affiliation, former=former))

    def _affiliation(self, phrase: str | None) -> tuple[str | None, str | None]:
        """Canonical affiliation name and country code for a raw phrase ("Brazilian" -> Brazil, BRA)."""
        if not phrase:
            return None, None
        match = self.kb.lookup(_clean_surface(phrase))
        if match is None:
            return _clean_surface(phrase) or None, self._leading_country(_clean_surface(phrase))
        actor = match.actor
        return actor.name, actor.country if actor.type == "country" else None

    def _leading_country(self, name: str) -> str | None:
        """The code of a country named by the first words of a longer ``name`` ("Latvian Constitutional Court")."""
        words = name.split()
        for size in (3, 2, 1):
            if len(words) <= size:
                continue
            match = self.kb.lookup(" ".join(words[:size]))
            if match is not None and match.actor.type == "country" and match.kind in ("name", "alias", "demonym"):
                return match.actor.country
        return None

    # -- "the foreign minister" ----------------------------------------------------------------
    def _title_only_mentions(self, doc: Document) -> None:
        taken = [(m.start, m.end) for m in doc.mentions()]
        for match in _TITLE_ONLY.finditer(doc.text):
            start, end = match.start(), match.end()
            if any(s < end and start < e for s, e in taken):
                continue
            title = title_case(match.group("title"))
            affil, _ = self._affiliation(match.group("affil"))
            actor = self._holder_of(doc, title, affil, start)
            if actor is not None:
                doc.add_mention(actor, start, end)

    @staticmethod
    def _holder_of(doc: Document, title: str, affiliation: str | None, before: int) -> ActorRecord | None:
        """The most recently mentioned person holding ``title`` (of ``affiliation`` when given)."""
        for mention in reversed(doc.mentions_in(0, before)):
            actor = mention.actor
            if actor.type != "person":
                continue
            for role in actor.roles:
                if role.former or not role.title:
                    continue
                role_title = role.title.lower()
                if role_title == title.lower() or role_title.endswith(" " + title.lower()):
                    if affiliation is None or (role.affiliation or "").lower() == affiliation.lower():
                        return actor
        return None


def _only_affiliation(text: str, cand: _Candidate, person_starts: set[int]) -> bool:
    """True if the mention only says whom someone else belongs to.

    "Putin" in "Putin's spokesman", "India" in "India's Subrahmanyam Jaishankar", "UN" in "UN
    Secretary-General António Guterres", "the Kremlin" in "a spokesman for the Kremlin".
    """
    end = min(len(text), cand.end + 80)
    if _POSSESSIVE_TITLE_AFTER.match(text, cand.end, end):
        return True
    possessive = _POSSESSIVE_NAME_AFTER.match(text, cand.end, end)
    if possessive and possessive.end() in person_starts:
        return True
    if cand.type != "person" and _TITLE_NAME_AFTER.match(text, cand.end, end):
        return True
    return bool(_TITLE_OF_BEFORE.search(text, max(0, cand.start - 60), cand.start))


def _add_affiliation_mention(doc: Document, actor: ActorRecord, start: int, end: int) -> None:
    """List the span on the actor without indexing it as a mention (see the module docstring)."""
    actor = doc.actors.setdefault(actor.id, actor)
    actor.mentions.append((start, end))


# -- other mentions of a person named in full ----------------------------------------------------
def _with_echoes(doc: Document, candidates: list[_Candidate], kb: KnowledgeBase) -> list[_Candidate]:
    """``candidates`` plus every other mention of a person named in full, linked to that person.

    A short form ("Guterres", "Li") or the full name again -- also in an all-caps headline --
    joins the nearest full mention before it (else the first after it). A short form that spaCy
    typed as something else, or missed, becomes a mention of the person; one inside a longer
    name ("Jones Medical", "Tom Jones") does not.
    """
    keys: dict[str, list[_Candidate]] = {}
    for cand in candidates:
        if cand.type != "person":
            continue
        for key in _short_forms(cand, kb):
            keys.setdefault(key, []).append(cand)
    if not keys:
        return candidates
    longest = max(len(key.split()) for key in keys)
    by_span = {(c.start, c.end): c for c in candidates}
    spans = sorted(by_span)
    result = list(candidates)
    replaced: dict[tuple[int, int], _Candidate] = {}
    for start, end, surface in _word_runs(doc.text, keys, longest):
        if doc.dateline is not None and doc.dateline[0] <= start < doc.dateline[1]:
            continue
        nearest = _nearest(keys[surface], start)
        if nearest is None or (nearest.start, nearest.end) == (start, end):
            continue
        full = _root(nearest, replaced)
        existing = by_span.get((start, end))
        if existing is not None:
            if existing.type == "person" and existing.kb is None and _is_short(existing, full):
                replaced[(start, end)] = replace(existing, echo_of=full, source="echo")
            elif existing.kb is None or existing.kb.type != "country":
                replaced[(start, end)] = replace(existing, type="person", kb=None, echo_of=full, source="echo")
            continue
        if _overlaps_any(spans, start, end) or _inside_longer_name(doc.text, start, end):
            continue
        result.append(_Candidate(start, end, doc.text[start:end], "person", None, "echo", full))
    result = [replaced.get((c.start, c.end), c) for c in result]
    result.sort(key=lambda c: (c.start, -c.end))
    return result


def _lone_unsupported_name(text: str, cand: _Candidate, kb: KnowledgeBase) -> bool:
    """True for a one-word "person" that nothing else supports ("Benfica", "Halftime").

    News introduces a person by full name, a title or an honorific. A single capitalised word
    that spaCy calls a person, with no full name in the article, no knowledge-base entry and no
    title before it, was more often a club, company or place than a person (measured on CoNLL
    train: 238 people against 619 others), so it makes no actor.
    """
    if cand.type != "person" or cand.kb is not None or cand.echo_of is not None:
        return False
    if len(_person_name(cand.surface).split()) > 1 or _HONORIFICS.match(cand.surface):
        return False
    before = text[max(0, cand.start - 40):cand.start].split()
    if before and before[-1].lower().rstrip(".") in _TITLE_BEFORE_LONE_NAME:
        return False
    after = _RESULTS_AFTER.match(text, cand.end, min(len(text), cand.end + 40))
    if after is None:
        return True
    return bool(after.group("bracketed")) and not kb.is_country(after.group("bracketed"))


# Results formats that make a lone surname a person: "Chaouch 64th", "Huber ( Austria )".
_RESULTS_AFTER = re.compile(
    r"[ \t]+(?:\([ \t]*)?\d{1,3}(?:st|nd|rd|th)\b|[ \t]*\([ \t]*(?P<bracketed>[A-Z][\w.' -]{1,30}?)[ \t]*\)"
)
# Words before a lone surname that make it a person ("President Suharto", "coach Hiddink").
_TITLE_BEFORE_LONE_NAME = frozenset(
    """mr mrs ms miss dr prof sir dame lord lady gen general sen senator rep gov governor president
    minister premier chancellor king queen prince princess sheikh emir pope archbishop bishop
    cardinal rev reverend father judge justice captain capt coach mayor ambassador secretary
    chairman commander colonel col lieutenant lt major maj sergeant sgt admiral adm inspector
    detective striker midfielder defender goalkeeper winger manager spokesman spokeswoman leader
    dictator ayatollah rabbi imam sultan chief""".split()
)


def _root(cand: _Candidate, replaced: dict[tuple[int, int], _Candidate]) -> _Candidate:
    """The full mention that ``cand`` repeats, following echoes of echoes."""
    while True:
        echo = replaced.get((cand.start, cand.end))
        if echo is None or echo.echo_of is None:
            return cand
        cand = echo.echo_of


def _word_runs(text: str, keys: dict[str, list[_Candidate]], longest: int) -> list[tuple[int, int, str]]:
    """Longest runs of up to ``longest`` space-separated words that are keys, left to right."""
    words = [(m.start(), m.end() - 2 if m.group().endswith(("'s", "\u2019s")) else m.end())
             for m in _WORD.finditer(text)]
    found = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            start, end = words[i][0], words[i + n - 1][1]
            if text[start:end] in keys:
                found.append((start, end, text[start:end]))
                i += n
                break
        else:
            i += 1
    return found


def _short_forms(cand: _Candidate, kb: KnowledgeBase) -> list[str]:
    """The full name, its upper-case form and its surname (the family name first in "Li Peng")."""
    words = _person_name(cand.surface).split()
    if len(words) < 2:
        return []
    full = " ".join(words)
    family = words[0] if words[0] in kb.names.family_first and len(words) == 2 else words[-1]
    if family.lower() in ("jr", "jr.", "sr", "sr.", "ii", "iii") and len(words) > 2:
        family = words[-2]
    forms = [full, full.upper()]
    if len(family) > 1 and not family.endswith("."):
        forms += [family, family.upper()]
    return forms


def _is_short(existing: _Candidate, full: _Candidate) -> bool:
    return len(existing.surface) < len(full.surface) or existing.surface.isupper()


def _nearest(fulls: list[_Candidate], position: int) -> _Candidate | None:
    before = [c for c in fulls if c.start < position]
    if before:
        return before[-1]
    return fulls[0] if fulls else None


def _overlaps_any(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans if s < end + 200 and e > start - 200)


def _inside_longer_name(text: str, start: int, end: int) -> bool:
    """True if capitalised words run on either side ("Tom Jones", "Jones Medical")."""
    if text[start:end].isupper():
        return False  # a headline in capitals: every word is capitalised
    after = text[end:end + 2]
    if after[:1] == " " and after[1:2].isupper():
        return True
    before = text[max(0, start - 30):start]
    if not before.endswith(" "):
        return False
    words = before.split()
    if not words:
        return False
    previous = words[-1]
    return previous[:1].isupper() and previous.rstrip(".").lower() not in _TITLE_LIKE and not (
        before.rstrip().endswith((".", ":", ";", "!", "?", '"')))


# Capitalised words before a surname that do not make it part of a longer name.
_TITLE_LIKE = frozenset(
    """mr mrs ms miss dr prof president minister premier chancellor king queen prince sheikh coach
    gen sen rep gov captain capt judge justice father archbishop bishop cardinal mayor governor
    lord lady sir dame said says told but and when while as if after before then so""".split()
)


@register("wirewatch.actors.v1", version="1.1.0")
def actors_stage(resources: Resources) -> StageFn:
    """Fill ``doc.actors`` (and their mentions and roles) from NER and the knowledge base."""
    return ActorResolver(knowledge_base(resources))

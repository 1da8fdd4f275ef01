"""Stage ``wirewatch.actors.v1``: people, organisations and countries, one actor per real entity.

Mentions come from spaCy NER and from scanning the text for knowledge-base names, descriptors
("the UN chief") and metonyms ("the Kremlin" -> Russia). Within an article, a surname or a
title-only mention ("the foreign minister") joins the actor it refers to; an entity outside the
knowledge base gets a stable id derived from its type and name (``ww:person:mauro-vieira``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schemas import Role
from schemas.enriched import ActorType
from streams.document import ActorRecord, Document
from streams.knowledge import KBActor, KBMatch, KnowledgeBase, fold
from streams.registry import StageFn, register
from streams.resources import Resources
from streams.roles import TITLE_PATTERN, RoleCue, role_after, role_before, title_case

__all__ = ["ActorResolver", "actors_stage", "find_dateline"]

_NER_TYPES: dict[str, ActorType] = {"PERSON": "person", "ORG": "organization", "GPE": "country", "NORP": "group"}
_HONORIFICS = re.compile(
    r"^(?:(?:mr|mrs|ms|dr|prof|sir|dame|lord|lady|gen|sen|rep|gov|president|minister|king|queen|prince|"
    r"princess|sheikh|emir|pope|chancellor|premier)\.?\s+)+",
    re.IGNORECASE,
)
_POSSESSIVE_END = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
# "WASHINGTON (Reuters) -", "KYIV, Ukraine —", "BEIJING, March 3 (AP) --"
_DATELINE = re.compile(
    r"(?P<place>[A-Z][A-Z.'\- ]{2,}(?:,\s+[A-Z][\w.' -]+?)?)(?:,\s+\w+\.? \d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:-{1,2}|\u2014|\u2013)\s*"
)
_TITLE_ONLY = re.compile(
    r"\b[Tt]he\s+(?P<affil>(?-i:(?:[A-Z]\.){2,}|[A-Z][\w-]*)\s+)??(?P<title>" + TITLE_PATTERN + r")\b(?!\s+(?-i:[A-Z]))",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    surface: str
    type: ActorType
    kb: KBActor | None


def find_dateline(doc: Document) -> tuple[int, int] | None:
    """The dateline at the start of the body ("WASHINGTON (Reuters) -"), whose places are not actors."""
    body = doc.article.body_offset
    match = _DATELINE.match(doc.text, body, min(len(doc.text), body + 120))
    return (match.start(), match.end()) if match else None


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "unnamed"


def _clean_surface(surface: str) -> str:
    surface = _POSSESSIVE_END.sub("", surface.strip())
    if surface.lower().startswith("the "):
        surface = surface[4:]
    return surface.strip()


class ActorResolver:
    """Resolves an article's mentions to actors; one instance serves many articles."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def __call__(self, doc: Document) -> None:
        doc.dateline = find_dateline(doc)
        candidates = self._candidates(doc)
        surnames = self._person_names(candidates)
        for cand in candidates:
            actor = self._actor_for(doc, cand, surnames)
            if actor is not None:
                doc.add_mention(actor, cand.start, cand.end)
        self._read_roles(doc)
        self._title_only_mentions(doc)

    # -- mentions ------------------------------------------------------------------------------
    def _candidates(self, doc: Document) -> list[_Candidate]:
        taken: list[tuple[int, int]] = []
        found: list[_Candidate] = []
        day = doc.article.published.date() if doc.article.published else None
        del day
        for start, end, match in self.kb.scan(doc.text):
            if self._in_dateline(doc, start) or match.kind == "demonym":
                continue
            found.append(_Candidate(start, end, doc.text[start:end], match.actor.type, match.actor))
            taken.append((start, end))
        for ent in doc.entities:
            actor_type = _NER_TYPES.get(ent.label)
            if actor_type is None or self._in_dateline(doc, ent.start):
                continue
            if any(s < ent.end and ent.start < e for s, e in taken):
                # the KB scan already claimed this text; widen nothing, trust the KB
                continue
            surface = _clean_surface(ent.text)
            if not surface or not surface[:1].isupper():
                continue
            match = self.kb.lookup(surface)
            kb_actor = self._usable(match, ent.label)
            if kb_actor is None and actor_type in ("country", "group"):
                # a GPE outside the KB is usually a city or region, a NORP a nationality: not actors
                continue
            start = ent.start + (len(ent.text) - len(ent.text.lstrip()))
            if ent.text.lower().startswith("the "):
                start += 4
            end = start + len(_POSSESSIVE_END.sub("", doc.text[start : ent.end].rstrip()))
            found.append(_Candidate(start, end, doc.text[start:end], kb_actor.type if kb_actor else actor_type, kb_actor))
        found.sort(key=lambda c: (c.start, -c.end))
        return found

    @staticmethod
    def _usable(match: KBMatch | None, label: str) -> KBActor | None:
        if match is None or match.kind == "demonym":
            return None
        return match.actor

    @staticmethod
    def _in_dateline(doc: Document, position: int) -> bool:
        return doc.dateline is not None and doc.dateline[0] <= position < doc.dateline[1]

    @staticmethod
    def _person_names(candidates: list[_Candidate]) -> dict[str, str]:
        """Map each surname and given name of multi-word person names to the full name."""
        names: dict[str, str] = {}
        for cand in candidates:
            if cand.type != "person" or cand.kb is not None:
                continue
            words = _HONORIFICS.sub("", cand.surface).split()
            if len(words) >= 2:
                full = " ".join(words)
                names.setdefault(fold(words[-1]).lower(), full)
        return names

    def _actor_for(self, doc: Document, cand: _Candidate, surnames: dict[str, str]) -> ActorRecord | None:
        if cand.kb is not None:
            return self._kb_record(doc, cand.kb)
        name = _HONORIFICS.sub("", cand.surface).strip() if cand.type == "person" else cand.surface
        if not name:
            return None
        if cand.type == "person" and len(name.split()) == 1:
            name = surnames.get(fold(name).lower(), name)
        actor_id = f"ww:{cand.type}:{_slug(name)}"
        existing = doc.actors.get(actor_id)
        if existing is not None:
            return existing
        return ActorRecord(id=actor_id, name=name, type=cand.type)

    def _kb_record(self, doc: Document, kb_actor: KBActor) -> ActorRecord:
        existing = doc.actors.get(kb_actor.id)
        if existing is not None:
            return existing
        record = ActorRecord(id=kb_actor.id, name=kb_actor.name, type=kb_actor.type,
                             country=kb_actor.country, in_knowledge_base=True)
        day = doc.article.published.date() if doc.article.published else None
        for role in self.kb.current_roles(kb_actor, day):
            record.add_role(Role(title=role.title, affiliation=role.affiliation))
        return record

    # -- roles ---------------------------------------------------------------------------------
    def _read_roles(self, doc: Document) -> None:
        for mention in doc.mentions():
            if mention.actor.type != "person":
                continue
            sentence = doc.sentence_of(mention.start) or (0, len(doc.text))
            for cue in (role_before(doc.text, sentence[0], mention.start),
                        role_after(doc.text, mention.end, sentence[1])):
                if cue is not None:
                    self._apply_role(mention.actor, cue)

    def _apply_role(self, actor: ActorRecord, cue: RoleCue) -> None:
        affiliation, country = self._affiliation(cue.affiliation)
        if cue.title is None and affiliation is None:
            return
        if country and not actor.country:
            actor.country = country
        if cue.title is None:
            if not any(r.affiliation == affiliation for r in actor.roles):
                actor.add_role(Role(title=None, affiliation=affiliation))
            return
        actor.add_role(Role(title=cue.title, affiliation=affiliation, former=cue.former))

    def _affiliation(self, phrase: str | None) -> tuple[str | None, str | None]:
        """Canonical affiliation name and country code for a raw phrase ("Brazilian" -> Brazil, BRA)."""
        if not phrase:
            return None, None
        match = self.kb.lookup(_clean_surface(phrase))
        if match is None:
            return _clean_surface(phrase) or None, None
        actor = match.actor
        return actor.name, actor.country if actor.type == "country" else None

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


@register("wirewatch.actors.v1", version="1.0.0")
def actors_stage(resources: Resources) -> StageFn:
    """Fill ``doc.actors`` (and their mentions and roles) from NER and the knowledge base."""
    return ActorResolver(resources.knowledge_base)

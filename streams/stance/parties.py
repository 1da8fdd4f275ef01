"""Who can hold or receive a stance in an article: its actors, plus the groups the actors stage leaves out.

The actors stage keeps people, organisations and knowledge-base countries it is sure of. Stances
are also held by groups it leaves out: nationalities and parties named by an adjective or a plural
("Russian officials", "Republicans", "Muslims": NORP entities, and ORG entities that name a
political camp such as "Democrats" or "the Left"), and unresolved group phrases ("Gulf officials",
"delegates"). Decision: such a party resolves to the knowledge-base actor its words name when a
demonym or party name points there ("Russian" -> Russia), else to a group named by the phrase as
written (``ww:group:<slug>``, ``ww:group:gulf-officials``). Entity spans are the actors stage's
(:func:`streams.nlp.refine_entities`). Person, organisation and place names the actors stage
rejected (an unconfirmed lone surname, a club misread as a person, "in Beijing") never become
parties here: that filtering is the actors stage's decision, not the stance stage's. A party found here is registered in
``doc.actors`` (one more mention) only when a stance uses it, so every stance's holder and target
is in the published actor list and nothing is added for articles without stances.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schemas.enriched import ActorType
from streams.actors.knowledge import KnowledgeBase
from streams.actors.roles import inside_title
from streams.actors.stage import kb_actor_record
from streams.document import ActorRecord, Document
from streams.nlp import refine_entities

__all__ = ["GROUP_HEADS", "Party", "find_parties", "group_phrase_before", "register"]

#: nouns that head a phrase naming a collective holder ("Gulf officials", "the delegates")
GROUP_HEADS = (
    "officials|delegates|delegations|diplomats|negotiators|mediators|leaders|ministers|lawmakers|"
    "legislators|senators|politicians|analysts|observers|experts|critics|activists|protesters|"
    "residents|citizens|voters|rebels|militants|insurgents|fighters|commanders|generals|officers|"
    "authorities|sources|envoys|representatives|members|supporters|opponents|allies|governments|"
    "states|nations|countries|donors|campaigners|groups|unions|businesses|investors|families"
)
_GROUP_PHRASE = re.compile(
    r"(?:\b[Tt]he\s+|\b[Mm]any\s+|\b[Ss]ome\s+|\b[Mm]ost\s+|\b[Ss]enior\s+|\b[Tt]op\s+)?"
    r"(?P<mod>(?:(?-i:[A-Z][\w.'\u2019-]*)\s+){0,3})(?P<head>" + GROUP_HEADS + r")\b"
)
_ACRONYM_GAPS = re.compile(r"\b([A-Z])\.\s+(?=[A-Z]\.)")
_POSSESSIVE_END = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
# ORG entities that name a political camp rather than an organisation ("Democrats", "the GOP")
_CAMP = re.compile(
    r"(?:[Tt]he\s+)?(?:Democrats?|Dems|Republicans?|GOP|Tories|Tory|Conservatives|Liberals|Labour|Socialists|"
    r"Communists|Greens|Libertarians|Progressives|Evangelicals|Left|Right|Far[- ]Right|Far[- ]Left)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Party:
    """A mention that can hold or receive a stance: where it is and the actor it denotes."""

    start: int
    end: int
    actor: ActorRecord
    registered: bool
    #: where it came from: "actor" (the actors stage), an NER label, or "phrase"
    source: str = "actor"


def find_parties(doc: Document, kb: KnowledgeBase) -> list[Party]:
    """The article's actor mentions plus nationality/party mentions the actors stage skipped.

    Returns:
        Parties in text order; ``registered`` is False for those not yet in ``doc.actors``.
    """
    parties = [Party(m.start, m.end, m.actor, True) for m in doc.mentions()]
    taken = [(p.start, p.end) for p in parties]
    refined = doc.refined_entities
    if refined is None:  # the actors stage is disabled
        refined = refine_entities(doc.text, doc.entities, kb)
    for entity in refined:
        if entity.label not in _UNCONFIRMED_TYPES or _overlaps(taken, entity.start, entity.end):
            continue
        if doc.dateline is not None and doc.dateline[0] <= entity.start < doc.dateline[1]:
            continue
        party = _entity_party(doc, kb, entity.start, entity.end, entity.label)
        if party is not None:
            parties.append(party)
            taken.append((party.start, party.end))
    parties.sort(key=lambda p: (p.start, -p.end))
    return _without_affiliations(doc, parties)


# Between a title's affiliation and the person: title words only ("Turkish Foreign Minister ").
_TITLE_GAP = re.compile(r"(?:['\u2019]s)?\s+(?:[A-Z][\w.-]*\s+){0,4}$")


def _without_affiliations(doc: Document, parties: list[Party]) -> list[Party]:
    """Drop a country or organisation that only qualifies the person right after it ("Turkish
    Foreign Minister Hakan Fidan", "UN Secretary-General Guterres"): the affiliation of a title,
    not a party of its own to the sentence."""
    kept = []
    for index, party in enumerate(parties):
        following = next((q for q in parties[index + 1 :] if q.start >= party.end), None)
        if party.actor.type != "person" and following is not None and following.actor.type == "person" \
                and following.start - party.end <= 60 \
                and _TITLE_GAP.fullmatch(doc.text, party.end, following.start) \
                and _qualifies(party.actor, following.actor):
            continue
        kept.append(party)
    return kept


def _qualifies(affiliation: ActorRecord, person: ActorRecord) -> bool:
    if affiliation.type == "country" and person.country is not None and person.country == affiliation.country:
        return True
    name = affiliation.name.lower()
    return any((role.affiliation or "").lower() == name for role in person.roles)


def group_phrase_before(doc: Document, kb: KnowledgeBase, start: int, end: int) -> Party | None:
    """The last collective noun phrase in ``text[start:end]`` ("Gulf officials"), as a party."""
    matches = list(_GROUP_PHRASE.finditer(doc.text, start, end))
    if not matches:
        return None
    match = matches[-1]
    modifier = match.group("mod").strip()
    if modifier:
        resolved = kb.lookup(_normalise(modifier))
        if resolved is not None:
            return Party(match.start("mod"), match.end("head"), kb_actor_record(doc, kb, resolved.actor), False, "phrase")
    phrase_start = match.start("mod") if modifier else match.start("head")
    name = doc.text[phrase_start : match.end("head")]
    return Party(phrase_start, match.end("head"), _group_record(doc, name), False, "phrase")


def register(doc: Document, party: Party) -> None:
    """Add ``party`` to ``doc.actors`` (as a new actor or one more mention) if it is not there yet."""
    if party.registered:
        return
    doc.add_mention(party.actor, party.start, party.end)
    party.actor = doc.actors[party.actor.id]
    party.registered = True


# Names the actors stage did not confirm (a lone surname, an organisation outside the KB) may still
# hold or receive a stance; they are registered as actors only when a stance uses them.
_UNCONFIRMED_TYPES: dict[str, ActorType] = {"NORP": "group", "PERSON": "person", "ORG": "organization"}


def _is_group(label: str, surface: str) -> bool:
    """True for a NORP entity or an ORG entity naming a political camp."""
    return label == "NORP" or (label == "ORG" and _CAMP.fullmatch(_POSSESSIVE_END.sub("", surface.strip())) is not None)


def _entity_party(doc: Document, kb: KnowledgeBase, start: int, end: int, label: str) -> Party | None:
    if inside_title(doc.text, start, end) or (doc.dateline is not None and doc.dateline[0] <= start < doc.dateline[1]):
        return None  # "Secretary of State", "GENEVA —": a title's word, a place of filing
    surface = doc.text[start:end]
    if surface.lower().startswith("the "):
        start += 4
        surface = surface[4:]
    surface = _POSSESSIVE_END.sub("", surface.rstrip())
    end = start + len(surface)
    if len(surface) < 3 or not surface[:1].isupper():
        return None
    match = kb.lookup(_normalise(surface))
    if match is not None and match.kind != "metonym":
        return Party(start, end, kb_actor_record(doc, kb, match.actor), False, label)
    kind: ActorType = "group" if _is_group(label, surface) else _UNCONFIRMED_TYPES[label]
    return Party(start, end, _group_record(doc, surface, kind), False, label)


def _normalise(surface: str) -> str:
    """Undo the spaced-out acronyms some feeds produce ("U. S." -> "U.S.")."""
    return _ACRONYM_GAPS.sub(r"\1.", surface)


def _group_record(doc: Document, name: str, kind: ActorType = "group") -> ActorRecord:
    # "Republicans" and "Republican" are one group
    key = re.sub(r"(?<=[a-z])s$", "", name) if kind == "group" else name
    actor_id = f"ww:{kind}:{_slug(key)}"
    existing = doc.actors.get(actor_id)
    return existing if existing is not None else ActorRecord(id=actor_id, name=name, type=kind)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "unnamed"


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)

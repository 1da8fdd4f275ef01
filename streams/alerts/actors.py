"""The actor filters of a rule: ids, role titles (with a few aliases), actor types and countries.

A role filter matches an actor's current (not ``former``) role titles, case-insensitively, hyphens
read as spaces. A title matches a term when it is the term, or ends with it after qualifying words
("Brazilian Foreign Minister" matches "foreign minister"), but not when a subordinate or relational
word comes before it: "Deputy Foreign Minister", "Vice President" and "Press Secretary to the
President" do not match "foreign minister" or "president". Two terms are aliases for sets of
titles (:data:`ROLE_ALIASES`): "head of state" (president, king, queen, emir, ...) and "head of
government" (prime minister, chancellor, premier, ...); "foreign minister" also matches the other
names of that office (foreign secretary, secretary of state, minister of foreign affairs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.enriched import Actor
from streams.alerts.rule import RuleMatch

__all__ = ["ROLE_ALIASES", "ActorFacts", "actor_matches", "role_matches"]

ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "head of state": ("head of state", "president", "king", "queen", "emir", "sultan", "monarch", "emperor",
                      "empress", "grand duke", "supreme leader", "governor general"),
    "head of government": ("head of government", "prime minister", "chancellor", "premier", "first minister",
                           "taoiseach"),
    "foreign minister": ("foreign minister", "foreign secretary", "secretary of state",
                         "minister of foreign affairs", "minister for foreign affairs"),
    "defence minister": ("defence minister", "defense minister", "secretary of defense", "minister of defence",
                         "minister of defense", "defence secretary"),
}
#: words before a title's last words that make it a different office ("deputy", "to the")
_SUBORDINATE = frozenset({"deputy", "vice", "assistant", "under", "junior", "associate", "to", "of", "for", "the",
                          "press", "adviser", "advisor", "aide", "spokesman", "spokeswoman", "spokesperson",
                          "former", "ex"})


@dataclass(frozen=True)
class ActorFacts:
    """What the filters know of an actor: its id, type, current role titles and country."""

    id: str | None
    type: str | None = None
    roles: tuple[str, ...] = ()
    country: str | None = None

    @classmethod
    def of(cls, actor_id: str | None, actors: Iterable[Actor]) -> ActorFacts:
        """The facts about ``actor_id`` from an article's actors (only the id when it is not among them)."""
        for actor in actors:
            if actor.id == actor_id:
                return cls(actor.id, actor.type, tuple(r.title for r in actor.roles if not r.former), actor.country)
        return cls(actor_id)

    @property
    def role(self) -> str | None:
        """The first current role title, for titles."""
        return self.roles[0] if self.roles else None


def _words(text: str) -> list[str]:
    return re.sub(r"[-\u2010-\u2015]", " ", text.lower()).split()


def role_matches(title: str, wanted: str) -> bool:
    """Whether a role ``title`` matches the rule's role term ``wanted`` (see the module docstring)."""
    words = _words(title)
    terms = ROLE_ALIASES.get(" ".join(_words(wanted)), (wanted,))
    for term in terms:
        tail = _words(term)
        if not tail or len(words) < len(tail) or words[-len(tail):] != tail:
            continue
        if not _SUBORDINATE.intersection(words[:-len(tail)]):
            return True
    return False


def actor_matches(match: RuleMatch, facts: ActorFacts) -> bool:
    """Whether the actor passes every actor filter of ``match`` (ids, roles, types, countries)."""
    if match.actor_ids and facts.id not in match.actor_ids:
        return False
    if match.actor_types and facts.type not in match.actor_types:
        return False
    if match.countries and (facts.country or "").upper() not in match.countries:
        return False
    return not match.roles or any(role_matches(title, want) for title in facts.roles for want in match.roles)

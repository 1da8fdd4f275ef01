"""The actor knowledge base: canonical actors with aliases, roles, demonyms and metonyms.

Shipped as ``streams/data/actors.yaml``; users point ``WIREWATCH_ACTORS_FILE`` at their own copy
to extend it. Lookups fold case only where the KB string is not an acronym, and fold accents, so
"Antonio Guterres" finds "António Guterres".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.enriched import ActorType
from streams.datafile import load_entries

__all__ = [
    "DEFAULT_ACTORS_FILE",
    "KBActor",
    "KBMatch",
    "KBRole",
    "KnowledgeBase",
    "fold",
]

DEFAULT_ACTORS_FILE = Path(__file__).parent / "data" / "actors.yaml"

MatchKind = Literal["name", "alias", "demonym", "metonym", "descriptor"]
_KIND_RANK = {"name": 0, "alias": 1, "descriptor": 2, "metonym": 3, "demonym": 4}
_TOKEN = re.compile(r"(?:\w\.){2,}|\w+(?:['\u2019]\w+)*|[^\w\s]")


class KBRole(BaseModel):
    """A post an actor holds or held."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    affiliation: str | None = None
    start: date | None = None
    end: date | None = None
    uncertain: bool = False

    def current_on(self, day: date) -> bool:
        """True if the role was held on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class KBActor(BaseModel):
    """One knowledge-base entry (see the header of ``actors.yaml`` for the format)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    type: ActorType
    country: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    aliases: list[str] = Field(default_factory=list)
    demonyms: list[str] = Field(default_factory=list)
    capital: str | None = None
    metonyms: list[str] = Field(default_factory=list)
    descriptors: list[str] = Field(default_factory=list)
    roles: list[KBRole] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KBMatch:
    """A knowledge-base entry found for a surface string, and how it was named."""

    actor: KBActor
    kind: MatchKind


def fold(text: str) -> str:
    """Accent-free, whitespace-collapsed form of ``text`` (case kept)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _key(surface: str) -> tuple[str, ...]:
    """Lookup key: folded tokens, lower-cased unless the token is an all-caps acronym."""
    tokens = _TOKEN.findall(fold(surface))
    if tokens and tokens[0].lower() == "the":
        tokens = tokens[1:]
    return tuple(t if (t.isupper() and len(t) > 1) else t.lower() for t in tokens)


class KnowledgeBase:
    """Actors by id, and every name form they go by, indexed for lookup and text scanning."""

    def __init__(self, actors: list[KBActor], as_of: str | None = None) -> None:
        self.actors = {a.id: a for a in actors}
        self.as_of = as_of
        self._by_name: dict[str, KBActor] = {}
        self._surfaces: dict[tuple[str, ...], KBMatch] = {}
        for actor in actors:
            self._by_name.setdefault(actor.name.lower(), actor)
            self._index(actor.name, actor, "name")
            for alias in actor.aliases:
                self._index(alias, actor, "alias")
            for demonym in actor.demonyms:
                self._index(demonym, actor, "demonym")
            for metonym in actor.metonyms:
                self._index(metonym, actor, "metonym")
            for descriptor in actor.descriptors:
                self._index(descriptor, actor, "descriptor")
        self.max_tokens = max((len(k) for k in self._surfaces), default=1)

    @classmethod
    def load(cls, path: Path = DEFAULT_ACTORS_FILE) -> KnowledgeBase:
        """Load and validate an actors file; raises ``ConfigError`` naming file, line and field."""
        data, actors = load_entries(path, "actors", KBActor)
        return cls(actors, as_of=str(data.get("as_of")) if data.get("as_of") else None)

    def _index(self, surface: str, actor: KBActor, kind: MatchKind) -> None:
        key = _key(surface)
        if not key:
            return
        known = self._surfaces.get(key)
        if known is None or _KIND_RANK[kind] < _KIND_RANK[known.kind]:
            self._surfaces[key] = KBMatch(actor, kind)

    def lookup(self, surface: str) -> KBMatch | None:
        """The entry named by exactly ``surface`` (a leading "the" is ignored), if any."""
        return self._surfaces.get(_key(surface))

    def by_name(self, name: str) -> KBActor | None:
        """The entry whose canonical name is ``name`` (case-insensitive)."""
        return self._by_name.get(name.lower())

    def scan(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, KBMatch]]:
        """Longest non-overlapping KB surfaces in ``text[start:end]``, as ``(start, end, match)``."""
        end = len(text) if end is None else end
        tokens = [(m.start() + start, m.end() + start, m.group()) for m in _TOKEN.finditer(text[start:end])]
        keys = [_key(t)[0] if _key(t) else "" for _, _, t in tokens]
        found = []
        i = 0
        while i < len(tokens):
            hit = None
            for n in range(min(self.max_tokens, len(tokens) - i), 0, -1):
                match = self._surfaces.get(tuple(keys[i : i + n]))
                if match is not None and self._plausible(tokens[i][2], tokens[i + n - 1][2], match):
                    hit = (tokens[i][0], tokens[i + n - 1][1], match)
                    i += n
                    break
            if hit:
                found.append(hit)
            else:
                i += 1
        return found

    @staticmethod
    def _plausible(first: str, last: str, match: KBMatch) -> bool:
        # Names and metonyms are proper nouns: require a capital, so "us" never finds "US".
        if match.kind == "descriptor":
            return True
        return first[:1].isupper() or first[:1].isdigit()

    def current_roles(self, actor: KBActor, day: date | None) -> list[KBRole]:
        """Roles held on ``day`` (all roles without an end date when ``day`` is unknown)."""
        if day is None:
            return [r for r in actor.roles if r.end is None]
        return [r for r in actor.roles if r.current_on(day)]

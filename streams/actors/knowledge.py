"""The actor knowledge base: canonical actors with aliases, roles, demonyms and metonyms.

Shipped as ``streams/data/actors.yaml``; users point ``WIREWATCH_ACTORS_FILE`` at their own copy
to extend it. Two more shipped files complete it: ``countries.yaml`` (every ISO 3166 country, so a
country outside the actors file is still a country, with its alpha-3 code, demonyms and capital)
and ``given_names.yaml`` (a given-name gazetteer that tells "Florian Rousseau" from "Florian
Airlines"). Lookups fold case only where the KB string is a short acronym, and fold accents, so
"Antonio Guterres" finds "António Guterres".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from schemas.enriched import ActorType
from schemas.errors import ConfigError
from streams.datafile import DATA_DIR, load_entries
from streams.resources import Resources

__all__ = [
    "knowledge_base",
    "DEFAULT_ACTORS_FILE",
    "DEFAULT_COUNTRIES_FILE",
    "DEFAULT_NAMES_FILE",
    "CountryEntry",
    "KBActor",
    "KBMatch",
    "KBRole",
    "KnowledgeBase",
    "NameGazetteer",
    "fold",
    "load_countries",
    "load_name_gazetteer",
]

DEFAULT_ACTORS_FILE = DATA_DIR / "actors.yaml"
DEFAULT_COUNTRIES_FILE = DATA_DIR / "countries.yaml"
DEFAULT_NAMES_FILE = DATA_DIR / "given_names.yaml"

MatchKind = Literal["name", "alias", "demonym", "metonym", "descriptor"]
_KIND_RANK = {"name": 0, "alias": 1, "descriptor": 2, "metonym": 3, "demonym": 4}
_TOKEN = re.compile(r"(?:\w\.){2,}|\w+(?:['\u2019]\w+)*|[^\w\s]")
# All-caps tokens up to this length are kept as acronyms ("US", "WHO", "NATO"); longer ones are
# folded like words, so "CHINA" in an all-caps headline still finds "China".
_ACRONYM_MAX = 4


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


class CountryEntry(BaseModel):
    """One country of ``countries.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    aliases: list[str] = Field(default_factory=list)
    demonyms: list[str] = Field(default_factory=list)
    capital: str | None = None


@dataclass(frozen=True, slots=True)
class NameGazetteer:
    """Given names ("Florian") and family names written first ("Li" in "Li Peng")."""

    given: frozenset[str] = frozenset()
    family_first: frozenset[str] = frozenset()

    def starts_name(self, token: str) -> bool:
        """True if ``token`` is a given name or a family name that opens a name."""
        return token in self.given or token in self.family_first


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
    return tuple(_fold_token(t) for t in tokens)


def _token_key(token: str) -> str:
    """The lookup key of one text token (as :func:`_key` would make it, fast for ASCII)."""
    if token.isascii():
        return "" if token.lower() == "the" else _fold_token(token)
    key = _key(token)
    return key[0] if key else ""


def _fold_token(token: str) -> str:
    if token.isupper() and 1 < len(token.rstrip(".")) <= _ACRONYM_MAX:
        return token
    if token.isupper() and "." in token:
        return token  # "U.S.", "U.N."
    return token.lower()


def load_countries(path: Path = DEFAULT_COUNTRIES_FILE) -> list[CountryEntry]:
    """Load and validate ``countries.yaml``; raises ``ConfigError`` naming file, line and field."""
    return load_entries(path, "countries", CountryEntry)[1]


def load_name_gazetteer(path: Path = DEFAULT_NAMES_FILE) -> NameGazetteer:
    """Load ``given_names.yaml`` (lists ``given_names`` and ``family_first`` of strings).

    Raises:
        ConfigError: the file is unreadable, or a list or an item has the wrong type
            (the message names file, line and field).
    """
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    lists: dict[str, frozenset[str]] = {"given_names": frozenset(), "family_first": frozenset()}
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}:1: expected a mapping with a 'given_names' list")
    for key_node, value_node in root.value:
        if key_node.value not in lists:
            continue
        where = f"{path}:{value_node.start_mark.line + 1}: {key_node.value}"
        if not isinstance(value_node, yaml.SequenceNode):
            raise ConfigError(f"{where}: expected a list of names")
        names = []
        for index, item in enumerate(value_node.value):
            if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str":
                raise ConfigError(f"{path}:{item.start_mark.line + 1}: {key_node.value}[{index}]: "
                                  "expected a name (a string)")
            names.append(item.value)
        lists[key_node.value] = frozenset(names)
    return NameGazetteer(given=lists["given_names"], family_first=lists["family_first"])


class KnowledgeBase:
    """Actors by id, and every name form they go by, indexed for lookup and text scanning."""

    def __init__(
        self,
        actors: list[KBActor],
        as_of: str | None = None,
        countries: list[CountryEntry] | None = None,
        names: NameGazetteer | None = None,
    ) -> None:
        actors = _with_countries(actors, countries or [])
        self.actors = {a.id: a for a in actors}
        self.as_of = as_of
        self.names = names or NameGazetteer()
        self._by_name: dict[str, KBActor] = {}
        self._surfaces: dict[tuple[str, ...], KBMatch] = {}
        self._first_tokens: dict[str, int] = {}
        self._capitals: set[str] = set()
        self._demonyms: set[str] = set()
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
            if actor.capital:
                self._capitals.add(fold(actor.capital).lower())
            self._demonyms.update(fold(d) for d in actor.demonyms)
        self.max_tokens = max((len(k) for k in self._surfaces), default=1)

    @classmethod
    def load(
        cls,
        path: Path = DEFAULT_ACTORS_FILE,
        countries_file: Path | None = DEFAULT_COUNTRIES_FILE,
        names_file: Path | None = DEFAULT_NAMES_FILE,
    ) -> KnowledgeBase:
        """Load and validate an actors file, completed by the country list and name gazetteer.

        Args:
            path: the actors file.
            countries_file: ``countries.yaml`` (``None``: only the actors file's countries).
            names_file: ``given_names.yaml`` (``None``: no given-name gazetteer).

        Raises:
            ConfigError: a file is invalid (the message names file, line and field).
        """
        data, actors = load_entries(path, "actors", KBActor)
        return cls(
            actors,
            as_of=str(data.get("as_of")) if data.get("as_of") else None,
            countries=load_countries(countries_file) if countries_file else None,
            names=load_name_gazetteer(names_file) if names_file else None,
        )

    def is_capital(self, surface: str) -> bool:
        """True if ``surface`` names a country's capital ("KYIV", "Washington")."""
        return fold(surface).lower() in self._capitals

    def starts_name(self, token: str) -> bool:
        """True if ``token`` is a given name, or a family name written first ("Li")."""
        return self.names.starts_name(token)

    def is_country(self, surface: str) -> bool:
        """True if ``surface`` is a country's name or alias ("Belgium", "U.S.")."""
        match = self._surfaces.get(_key(surface))
        return match is not None and match.actor.type == "country" and match.kind in ("name", "alias")

    def is_demonym(self, word: str) -> bool:
        """True if ``word`` is a nationality word ("Brazilian", "Frenchman")."""
        return fold(word) in self._demonyms

    def _index(self, surface: str, actor: KBActor, kind: MatchKind) -> None:
        key = _key(surface)
        if not key:
            return
        known = self._surfaces.get(key)
        if known is None or _KIND_RANK[kind] < _KIND_RANK[known.kind]:
            self._surfaces[key] = KBMatch(actor, kind)
        self._first_tokens[key[0]] = max(self._first_tokens.get(key[0], 0), len(key))

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
        keys = [_token_key(t) for _, _, t in tokens]
        found = []
        i = 0
        while i < len(tokens):
            hit = None
            # most tokens open no KB surface: one dict lookup rules them out
            longest = self._first_tokens.get(keys[i], 0)
            for n in range(min(longest, len(tokens) - i), 0, -1):
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

    def held_only_before(self, actor: KBActor, title: str, affiliation: str | None, day: date | None) -> bool:
        """True if ``actor`` held the post ``title`` (of ``affiliation``) before ``day`` but not on it.

        This is what makes "Prime Minister X" in an article about someone whose KB role had ended
        a *former* role. Titles match whole, case-insensitively and ignoring hyphens and the
        defence/defense spelling ("Vice President" is not "President"); ``affiliation`` ``None``
        matches any affiliation. An unknown ``day`` gives ``False``.
        """
        if day is None:
            return False
        wanted = _post_title(title)
        posts = [r for r in actor.roles
                 if _post_title(r.title) == wanted
                 and (affiliation is None or (r.affiliation or "").lower() == affiliation.lower())]
        if any(r.current_on(day) for r in posts):
            return False
        return any(r.end is not None and r.end < day for r in posts)


def _post_title(title: str) -> str:
    """A title reduced for comparison: "Secretary-General" and "secretary general" are one post."""
    return " ".join(fold(title).lower().replace("-", " ").replace("defense", "defence").split())


def _with_countries(actors: list[KBActor], countries: list[CountryEntry]) -> list[KBActor]:
    """``actors`` plus every listed country they lack; known countries gain the listed names."""
    by_code = {a.country: i for i, a in enumerate(actors) if a.type == "country" and a.country}
    merged = list(actors)
    for entry in countries:
        index = by_code.get(entry.iso3)
        if index is None:
            merged.append(KBActor(
                id=f"ww:country:{entry.iso3.lower()}", name=entry.name, type="country",
                country=entry.iso3, aliases=entry.aliases, demonyms=entry.demonyms,
                capital=entry.capital,
            ))
            continue
        known = merged[index]
        merged[index] = known.model_copy(update={
            "aliases": _union(known.aliases, [entry.name, *entry.aliases]),
            "demonyms": _union(known.demonyms, entry.demonyms),
            "capital": known.capital or entry.capital,
        })
    return merged


def _union(first: list[str], second: list[str]) -> list[str]:
    seen = {fold(x).lower() for x in first}
    return first + [x for x in second if fold(x).lower() not in seen and x != ""]


def knowledge_base(resources: Resources) -> KnowledgeBase:
    """The pipeline's knowledge base (option ``actors_file``), loaded once and shared by its stages."""
    return resources.shared("actors.knowledge_base",
                            lambda: KnowledgeBase.load(resources.option("actors_file", DEFAULT_ACTORS_FILE)))

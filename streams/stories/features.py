"""What story tracking needs from an article's text: a content hash, a MinHash and content terms.

Computed in the extraction process (the CPU side), sent to the stories agent as JSON, so the
agent only looks things up. Everything here is deterministic: the MinHash permutations are seeded.

- ``content_hash``: sha256 of the text with case and whitespace normalised: the same hash means
  the same version of an article (a replay), a different one a new version.
- ``minhash``: MinHash of word shingles of the body with agency boilerplate removed (datelines
  like "(Reuters) -", "Reporting by ...; Editing by ..."). Shingles stay inside one sentence, so a
  copy with reordered sentences keeps its shingles.
- ``terms``: counts of content words of headline and body (lowercase, stop words removed).
- ``dates``: years (``YYYY``) and months (``YYYY-MM``) the text names: look-alike stories of one
  kind are often years apart.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from datasketch import MinHash

from schemas.errors import ConfigError
from streams.datafile import DATA_DIR
from streams.stories.config import DEFAULT_CONFIG, StoryConfig

__all__ = [
    "BOILERPLATE_FILE",
    "MINHASH_SCHEME",
    "STOP_WORDS_FILE",
    "TextFeatures",
    "content_hash",
    "estimated_jaccard",
    "shingles",
    "strip_boilerplate",
    "text_dates",
    "text_features",
    "tokens",
]

STOP_WORDS_FILE = DATA_DIR / "stories_stopwords.yaml"
BOILERPLATE_FILE = DATA_DIR / "stories_boilerplate.yaml"

#: datasketch's permutation scheme of every signature (an LSH index must not mix schemes)
MINHASH_SCHEME = "affine32"

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH_NUMBER = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)}
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_MONTH_YEAR = re.compile(
    r"\b(" + "|".join([*_MONTHS, "sept", *sorted(_MONTH_NUMBER)]) + r")\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?"
    r"(19[5-9]\d|20\d\d)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TextFeatures:
    """The text side of one article version, JSON-able for the stories input topic."""

    content_hash: str
    minhash: tuple[int, ...]
    terms: dict[str, int]
    dates: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (orjson) that :meth:`from_dict` reads back."""
        return {"content_hash": self.content_hash, "minhash": list(self.minhash), "terms": dict(self.terms),
                "dates": list(self.dates)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextFeatures:
        """Read what :meth:`to_dict` wrote; raises ``ValueError``/``KeyError``/``TypeError`` on bad input."""
        minhash = tuple(int(v) for v in data["minhash"])
        terms = {str(k): int(v) for k, v in dict(data["terms"]).items()}
        return cls(content_hash=str(data["content_hash"]), minhash=minhash, terms=terms,
                   dates=tuple(str(d) for d in data.get("dates", ())))


def text_features(headline: str, body_text: str, config: StoryConfig = DEFAULT_CONFIG) -> TextFeatures:
    """Compute the :class:`TextFeatures` of one article version from its headline and body."""
    text = f"{headline}\n\n{body_text}"
    body = strip_boilerplate(body_text) if body_text.strip() else headline
    shingle_set = shingles(body, config.shingle_words)
    if len(shingle_set) < 5:
        # a very short body says little: let the headline count too
        shingle_set |= shingles(strip_boilerplate(headline), config.shingle_words)
    counts = Counter(t for t in tokens(text) if _is_content(t))
    terms = dict(sorted(counts.most_common(config.max_terms)))
    return TextFeatures(content_hash=content_hash(text), minhash=_minhash(shingle_set, config),
                        terms=terms, dates=text_dates(text))


def content_hash(text: str) -> str:
    """sha256 hex of ``text`` lowercased with runs of whitespace collapsed to one space."""
    normalised = " ".join(text.lower().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def tokens(text: str) -> list[str]:
    """Lowercase words of ``text`` (a possessive ``'s`` dropped)."""
    words = []
    for match in _WORD.finditer(text.lower()):
        word = match.group().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        words.append(word)
    return words


def shingles(text: str, size: int) -> set[str]:
    """Word ``size``-grams of each sentence of ``text`` (a shorter sentence is one shingle)."""
    found: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        words = tokens(sentence)
        if not words:
            continue
        if len(words) <= size:
            found.add(" ".join(words))
            continue
        found.update(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))
    return found


def strip_boilerplate(text: str) -> str:
    """``text`` without agency datelines, credits and sign-offs (``stories_boilerplate.yaml``)."""
    patterns = _boilerplate_patterns(BOILERPLATE_FILE)
    kept = []
    for line in text.splitlines():
        for pattern in patterns:
            line = pattern.sub("", line)
        if line.strip():
            kept.append(line)
    return "\n".join(kept)


def text_dates(text: str) -> tuple[str, ...]:
    """Years and months named in ``text``, sorted (``("2013", "2013-05")``)."""
    found = set(_YEAR.findall(text))
    for month, year in _MONTH_YEAR.findall(text):
        found.add(f"{year}-{_MONTH_NUMBER[month.lower()[:3]]:02d}")
    return tuple(sorted(found))


def estimated_jaccard(first: Sequence[int], second: Sequence[int]) -> float:
    """The Jaccard similarity two MinHash signatures estimate (share of equal hash values)."""
    if not first or len(first) != len(second):
        return 0.0
    a = np.asarray(first, dtype=np.uint64)
    b = np.asarray(second, dtype=np.uint64)
    return float(np.count_nonzero(a == b)) / len(a)


def _is_content(word: str) -> bool:
    if len(word) < 2 or word in _stop_words(STOP_WORDS_FILE):
        return False
    return not (word.isdigit() and len(word) != 4)


def _minhash(shingle_set: Iterable[str], config: StoryConfig) -> tuple[int, ...]:
    sketch = MinHash(num_perm=config.num_perm, seed=config.minhash_seed, scheme=MINHASH_SCHEME,
                     permutations=_permutations(config.num_perm, config.minhash_seed))
    encoded = [s.encode("utf-8") for s in sorted(shingle_set)]
    if encoded:
        sketch.update_batch(encoded)
    return tuple(int(v) for v in sketch.hashvalues)


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> Any:
    return MinHash(num_perm=num_perm, seed=seed, scheme=MINHASH_SCHEME).permutations


@lru_cache(maxsize=4)
def _stop_words(path: Path) -> frozenset[str]:
    data = _load_yaml(path)
    words = data.get("stop_words")
    if not isinstance(words, str):
        # a string, not a YAML list: YAML 1.1 would read "on", "no" and "off" as booleans
        raise ConfigError(f"{path}:1: expected a string of space-separated words under 'stop_words'")
    return frozenset(words.lower().split())


@lru_cache(maxsize=4)
def _boilerplate_patterns(path: Path) -> tuple[re.Pattern[str], ...]:
    data = _load_yaml(path)
    patterns = data.get("patterns")
    if not isinstance(patterns, list):
        raise ConfigError(f"{path}:1: expected a list under 'patterns'")
    compiled = []
    for index, pattern in enumerate(patterns):
        try:
            compiled.append(re.compile(str(pattern), re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"{path}: patterns[{index}]: not a regular expression: {exc}") from exc
    return tuple(compiled)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping")
    return data

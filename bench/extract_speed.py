"""Extraction speed on one core: wirewatch's full extraction vs bare spaCy small NER on the same texts.

    .venv/bin/python bench/extract_speed.py --texts ../shared/eval/polnear/dev/text

Measures, pinned to one CPU core and after a warm-up on other text (so no cache is pre-filled):
- ``wirewatch_extract``: ``Pipeline.extract`` + JSON encoding per article, as ``wirewatch extract`` runs it;
- ``spacy_sm_default``: ``spacy.load(<model>)`` with its default pipeline (tok2vec, tagger, parser,
  lemmatizer, NER) over the texts with ``nlp.pipe``, reading ``doc.ents``: the usual "spaCy NER";
- ``spacy_sm_ner_only``: the same model with only its ``ner`` component enabled (what wirewatch runs);
and the time per article spent in each wirewatch stage. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from schemas import Article
from schemas.codec import encode
from streams.nlp import load_spacy_model
from streams.pipeline import Pipeline
from streams.resources import Resources

_WARMUP = ("Foreign Minister Ana Silva met delegates in Lisbon on Monday. \"We are ready,\" she said. "
           "Officials said the peace talks would resume next week, according to a statement. ") * 5


def _rate(count: int, words: int, seconds: float) -> dict[str, float]:
    return {"seconds": round(seconds, 3), "articles_per_s": round(count / seconds, 2),
            "words_per_s": round(words / seconds)}


def _time_spacy(texts: list[str], words: int, ner_only: bool) -> dict[str, float]:
    nlp = load_spacy_model(ner_only=ner_only)
    list(nlp.pipe([_WARMUP] * 3))
    started = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts))
    result = _rate(len(texts), words, time.perf_counter() - started)
    result["entities"] = entities
    return result


def _time_wirewatch(articles: list[Article], words: int) -> tuple[dict[str, float], dict[str, float]]:
    pipeline = Pipeline(Resources())
    pipeline.extract(Article(uri="warmup", headline="Warm-up", body_text=_WARMUP))
    stage_seconds: dict[str, float] = dict.fromkeys(pipeline.extractor, 0.0)
    timed = []
    for name, stage in zip(pipeline.extractor, pipeline._stages, strict=True):
        timed.append(_timer(name, stage, stage_seconds))
    pipeline._stages = timed
    for name in stage_seconds:
        stage_seconds[name] = 0.0
    started = time.perf_counter()
    size = sum(len(encode(pipeline.extract(article))) for article in articles)
    result = _rate(len(articles), words, time.perf_counter() - started)
    result["output_bytes"] = size
    per_article = {name: round(1000 * s / len(articles), 2) for name, s in stage_seconds.items()}
    return result, per_article


def _timer(name: str, stage: Any, totals: dict[str, float]) -> Any:
    def run(doc: Any) -> None:
        started = time.perf_counter()
        stage(doc)
        totals[name] += time.perf_counter() - started

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, required=True, help="folder of .txt article texts")
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (default 0)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    paths = sorted(args.texts.glob("*.txt"))
    if not paths:
        print(f"bench: no .txt files in {args.texts}", file=sys.stderr)
        return 2
    texts = [p.read_text(encoding="utf-8") for p in paths]
    articles = [Article(uri=f"file:{p.name}", headline="", body_text=t) for p, t in zip(paths, texts, strict=True)]
    words = sum(len(t.split()) for t in texts)
    print(f"bench: {len(texts)} texts, {words} words, pinned to core {args.core}", file=sys.stderr)
    ours, stages = _time_wirewatch(articles, words)
    full = _time_spacy(texts, words, ner_only=False)
    ner_only = _time_spacy(texts, words, ner_only=True)
    result = {
        "texts": len(texts), "words": words,
        "wirewatch_extract": ours, "spacy_sm_default": full, "spacy_sm_ner_only": ner_only,
        "wirewatch_stage_ms_per_article": stages,
        "speedup_vs_spacy_sm_default": round(ours["articles_per_s"] / full["articles_per_s"], 2),
    }
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

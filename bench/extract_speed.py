"""Extraction speed on one core: wirewatch's full extraction vs bare spaCy small NER on the same texts.

    .venv/bin/python bench/extract_speed.py --texts ../shared/eval/polnear/dev/text

Measures, pinned to one CPU core and after a warm-up on other text (so no cache is pre-filled):
- ``wirewatch_extract``: ``Pipeline.extract`` + JSON encoding per article, as ``wirewatch extract`` runs it;
- ``spacy_sm_default``: ``spacy.load(<model>)`` with its default pipeline (tok2vec, tagger, parser,
  lemmatizer, NER) over the texts with ``nlp.pipe``, reading ``doc.ents``: the usual "spaCy NER";
- ``spacy_sm_ner_only``: the same model with only its ``ner`` component loaded (what wirewatch runs);
- ``wirewatch_near_duplicates_after_originals``: each article again with a new first paragraph, after
  the originals (the paragraph NER cache and the stance model's row cache at work);
and the time per article spent in each wirewatch stage. The spaCy runs are bare ``spacy.load``
with thinc's default ops, not wirewatch's loader.

``whole_process`` then times whole processes, model loading and imports included, each started
with ``taskset -c <core>``: ``wirewatch extract --quiet <texts>`` and a bare spaCy script per spaCy
variant, interleaved for ``--processes`` rounds (medians reported; 0 skips them). ``wall_s`` is
elapsed time, ``cpu_s`` the process's user + system time, which a busy machine inflates less.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from schemas import Article
from schemas.codec import encode
from streams.nlp import DEFAULT_MODELS
from streams.pipeline import Pipeline
from streams.resources import Resources

_WARMUP = ("Foreign Minister Ana Silva met delegates in Lisbon on Monday. \"We are ready,\" she said. "
           "Officials said the peace talks would resume next week, according to a statement. ") * 5


# A bare spaCy run as a process of its own: argv is model, "ner" or "default", folder of texts.
_SPACY_PROCESS = """
import sys, pathlib, spacy
model, variant, folder = sys.argv[1:4]
components = spacy.util.get_model_meta(spacy.util.get_package_path(model))["components"]
nlp = spacy.load(model, exclude=[n for n in components if n != "ner"] if variant == "ner" else [])
texts = [p.read_text(encoding="utf-8") for p in sorted(pathlib.Path(folder).glob("*.txt"))]
print(sum(len(doc.ents) for doc in nlp.pipe(texts)))
"""


def _rate(count: int, words: int, seconds: float) -> dict[str, float]:
    return {"seconds": round(seconds, 3), "articles_per_s": round(count / seconds, 2),
            "words_per_s": round(words / seconds), "ms_per_article": round(1000 * seconds / count, 1)}


def _spacy_model() -> str:
    import importlib.util

    return next(m for m in DEFAULT_MODELS if importlib.util.find_spec(m))


def _load_bare_spacy(ner_only: bool) -> Any:
    import spacy

    model = _spacy_model()
    components = spacy.util.get_model_meta(spacy.util.get_package_path(model))["components"]
    return spacy.load(model, exclude=[n for n in components if n != "ner"] if ner_only else [])


def _time_spacy(texts: list[str], words: int, ner_only: bool) -> dict[str, float]:
    nlp = _load_bare_spacy(ner_only)
    list(nlp.pipe([_WARMUP] * 3))
    started = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts))
    result = _rate(len(texts), words, time.perf_counter() - started)
    result["entities"] = entities
    return result


def _time_wirewatch(articles: list[Article], words: int) -> tuple[dict[str, float], dict[str, float], Pipeline]:
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
    return result, per_article, pipeline


def _time_near_duplicates(pipeline: Pipeline, articles: list[Article], words: int) -> dict[str, float]:
    """Each article again as a near-duplicate (a new first paragraph, the rest as it was), after the originals.

    What a syndicated copy or a new version of an article costs with the paragraph NER cache and the
    stance model's row cache warm: only the new paragraph and the rows it changes are computed.
    """
    copies = []
    for n, article in enumerate(articles):
        rest = article.body_text.split("\n", 1)[1] if "\n" in article.body_text else ""
        copies.append(Article(uri=f"{article.uri}#copy", headline="",
                              body_text=f"(Updated with comment from the campaign, version {n}.)\n{rest}"))
    started = time.perf_counter()
    for copy in copies:
        encode(pipeline.extract(copy))
    return _rate(len(copies), words, time.perf_counter() - started)


def _timer(name: str, stage: Any, totals: dict[str, float]) -> Any:
    def run(doc: Any) -> None:
        started = time.perf_counter()
        stage(doc)
        totals[name] += time.perf_counter() - started

    return run


def _time_processes(folder: Path, count: int, rounds: int, core: int) -> dict[str, Any]:
    """Median wall and CPU seconds of whole processes, the three commands interleaved per round."""
    taskset = ["taskset", "-c", str(core)] if shutil.which("taskset") else []
    wirewatch = Path(sys.executable).with_name("wirewatch")
    model = _spacy_model()
    commands = {
        "wirewatch_extract": [str(wirewatch), "extract", "--quiet", str(folder)],
        "spacy_sm_ner_only": [sys.executable, "-c", _SPACY_PROCESS, model, "ner", str(folder)],
        "spacy_sm_default": [sys.executable, "-c", _SPACY_PROCESS, model, "default", str(folder)],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            runs[name].append(_run_process(taskset + command))
    result: dict[str, Any] = {"rounds": rounds, "core": core, "pinned": bool(taskset)}
    for name, timings in runs.items():
        wall = statistics.median(w for w, _ in timings)
        cpu = statistics.median(c for _, c in timings)
        result[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                        "wall_ms_per_article": round(1000 * wall / count, 1),
                        "cpu_ms_per_article": round(1000 * cpu / count, 1),
                        "wall_s_runs": [round(w, 3) for w, _ in timings]}
    for base in ("spacy_sm_default", "spacy_sm_ner_only"):
        result[f"wall_speedup_vs_{base}"] = round(result[base]["wall_s"] / result["wirewatch_extract"]["wall_s"], 2)
        result[f"cpu_speedup_vs_{base}"] = round(result[base]["cpu_s"] / result["wirewatch_extract"]["cpu_s"], 2)
    return result


def _run_process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and user + system CPU seconds of one process run to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, required=True, help="folder of .txt article texts")
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (default 0)")
    parser.add_argument("--processes", type=int, default=1, metavar="ROUNDS",
                        help="rounds of whole-process runs, model loading included (default 1; 0 skips)")
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
    ours, stages, pipeline = _time_wirewatch(articles, words)
    near_duplicates = _time_near_duplicates(pipeline, articles, words)
    full = _time_spacy(texts, words, ner_only=False)
    ner_only = _time_spacy(texts, words, ner_only=True)
    result = {
        "texts": len(texts), "words": words,
        "wirewatch_extract": ours, "spacy_sm_default": full, "spacy_sm_ner_only": ner_only,
        "wirewatch_stage_ms_per_article": stages,
        "wirewatch_near_duplicates_after_originals": near_duplicates,
        "speedup_vs_spacy_sm_default": round(ours["articles_per_s"] / full["articles_per_s"], 2),
        "speedup_vs_spacy_sm_ner_only": round(ours["articles_per_s"] / ner_only["articles_per_s"], 2),
    }
    if args.processes > 0:
        result["whole_process"] = _time_processes(args.texts, len(texts), args.processes, args.core)
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where one article's extraction spends its time: pyinstrument over the full pipeline, as a worker runs it.

    .venv/bin/python bench/profile_extract.py --texts ../shared/eval/polnear/dev/text
    .venv/bin/py-spy record --native -o profile.svg -- .venv/bin/python bench/profile_extract.py --texts ... --quiet

Extracts every text once (``Pipeline.extract``, JSON encoding, the stories agent's text features:
what an extraction process does per article), caches off and after a warm-up on other text, and
prints pyinstrument's call tree (``--html FILE`` writes the interactive one). pyinstrument samples
Python frames: time inside spaCy's and onnxruntime's native code shows as their Python callers (or
as ``[self]``); ``py-spy record --native`` (the second command) resolves it into C functions.
Needs the bench extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from agents.extractor import build_pipeline
from agents.settings import Settings
from agents.stories import story_config
from schemas.article import Article
from schemas.codec import encode
from streams.stories.features import text_features

_WARMUP = ("GENEVA — Delegations met on Monday. \"We are ready to talk,\" said Anna Berg, the mediator. "
           "Officials said the peace talks would resume next week.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, required=True, help="folder of .txt article texts")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    parser.add_argument("--quiet", action="store_true", help="no profiler, no tree (for py-spy)")
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.texts.glob("*.txt"))]
    if not texts:
        print(f"bench: no .txt files in {args.texts}", file=sys.stderr)
        return 2
    settings = Settings(ner_cache_size=0, stance_model_cache_size=0)
    pipeline, config = build_pipeline(settings), story_config(settings)

    def extract(uri: str, text: str) -> None:
        article = Article(uri=uri, headline="", body_text=text)
        encode(pipeline.extract(article))
        text_features(article.headline, article.body_text, config)

    extract("warmup", _WARMUP)
    profiler = None
    if not args.quiet:
        from pyinstrument import Profiler  # the bench extra

        profiler = Profiler(interval=0.0005)
        profiler.start()
    started = time.perf_counter()
    for n, text in enumerate(texts):
        extract(f"urn:profile:{n}", text)
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
        if args.html:
            args.html.write_text(profiler.output_html())
    print(f"bench: {len(texts)} articles, {1000 * elapsed / len(texts):.1f} ms per article "
          f"({'profiled' if profiler else 'not profiled'})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the directed-stance pair classifier shipped as ``streams/data/stance_pairs.json``.

Usage::

    .venv/bin/python scripts/train_stance.py --train ../shared/eval/directed_sentiment/train.txt

Reads the directed-sentiment train split (``sentence<TAB>entity1<TAB>entity2<TAB>label``), runs
the NER and actors stages on each bracket-free sentence so the features are computed exactly as
the stance stage computes them at run time (the two entities snapped to the overlapping actor
mentions, the other parties masked), and fits a class-weighted multinomial logistic regression
with numpy. Rows repeated verbatim (same sentence and entity pair; about 1,600 of the 13,144
train rows, mostly non-neutral) are kept once: the copies over-weight the stance classes and their
sentences, which teaches the model to memorise rather than to generalise (the held-out rows that
matter are sentences it has not seen, three quarters of them neutral). Per-class decision offsets are then tuned for 5-class macro-F1 on out-of-fold
predictions (folds grouped by sentence, so a sentence never helps predict itself). Only feature
names that generalise are used (``streams.stance_pairs.pair_features``): no entity strings.
Deterministic for a given train file, knowledge base and seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from schemas import Article  # noqa: E402
from streams.actors.knowledge import KnowledgeBase, knowledge_base  # noqa: E402
from streams.evaluation.directed_sentiment import DirectedRow, read_rows  # noqa: E402
from streams.pipeline import Pipeline  # noqa: E402
from streams.resources import Resources  # noqa: E402
from streams.stance.lexicon import StanceLexicon  # noqa: E402
from streams.stance.pairs import CLASSES, DEFAULT_MODEL_FILE, SentenceView, pair_features  # noqa: E402
from streams.stance.parties import Party, find_parties  # noqa: E402

__all__ = ["Example", "build_examples", "fit", "main", "tune_offsets"]


@dataclass(frozen=True, slots=True)
class Example:
    """One training pair: its features, gold class and the sentence it came from (for grouping)."""

    features: list[str]
    label: int
    group: str


def build_examples(pipeline: Pipeline, kb: KnowledgeBase, lexicon: StanceLexicon,
                   rows: list[DirectedRow]) -> list[Example]:
    """Features of each row's entity pair, computed as the stance stage computes them."""
    examples = []
    for row in rows:
        if row.span1 is None or row.span2 is None or row.span1[0] >= row.span2[0]:
            continue
        article = Article(uri=f"ds:{row.line}", headline="", body_text=row.text)
        doc = pipeline.analyse(article)
        offset = article.body_offset
        parties = find_parties(doc, kb)
        a, type_a = _snap(parties, (row.span1[0] + offset, row.span1[1] + offset))
        b, type_b = _snap(parties, (row.span2[0] + offset, row.span2[1] + offset))
        if a[1] > b[0]:
            a, b = (row.span1[0] + offset, row.span1[1] + offset), (row.span2[0] + offset, row.span2[1] + offset)
        others = [(p.start, p.end) for p in parties if not _overlap((p.start, p.end), a) and not _overlap((p.start, p.end), b)]
        view = SentenceView(doc.text, offset, len(doc.text), lexicon)
        examples.append(Example(pair_features(view, a, b, others, (type_a, type_b)), row.label, row.text))
    return examples


def _distinct_rows(rows: list[DirectedRow]) -> list[DirectedRow]:
    """The rows without verbatim repeats of an earlier (sentence, entity 1, entity 2)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for row in rows:
        key = (row.text, row.entity1, row.entity2)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def _snap(parties: list[Party], span: tuple[int, int]) -> tuple[tuple[int, int], str]:
    """The party mention overlapping ``span`` the most, else the span itself (type unknown)."""
    best: Party | None = None
    for party in parties:
        if _overlap((party.start, party.end), span) and (
            best is None or _shared(party, span) > _shared(best, span)
        ):
            best = party
    if best is None:
        return span, "unknown"
    return (best.start, best.end), best.actor.type


def _shared(party: Party, span: tuple[int, int]) -> int:
    return min(party.end, span[1]) - max(party.start, span[0])


def _overlap(x: tuple[int, int], y: tuple[int, int]) -> bool:
    return x[0] < y[1] and y[0] < x[1]


# -- the model -----------------------------------------------------------------------------------
@dataclass
class _Matrix:
    """Sparse binary rows: feature ids per example, flattened with row boundaries."""

    cols: np.ndarray
    row_of: np.ndarray
    starts: np.ndarray
    n_rows: int


def _vectorise(examples: list[Example], index: dict[str, int]) -> _Matrix:
    cols: list[int] = []
    row_of: list[int] = []
    starts = []
    for r, example in enumerate(examples):
        starts.append(len(cols))
        ids = sorted({index[f] for f in example.features if f in index})
        cols.extend(ids)
        row_of.extend([r] * len(ids))
    return _Matrix(np.asarray(cols, dtype=np.int64), np.asarray(row_of, dtype=np.int64),
                   np.asarray(starts, dtype=np.int64), len(examples))


def _logits(x: _Matrix, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    # every example has the "bias" feature, so no row is empty and reduceat is exact
    return np.add.reduceat(weights[x.cols], x.starts, axis=0) + bias


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def fit(x: _Matrix, labels: np.ndarray, n_features: int, l2: float, epochs: int,
        class_power: float) -> tuple[np.ndarray, np.ndarray]:
    """Class-weighted multinomial logistic regression by full-batch Adam.

    Args:
        x: the sparse design matrix.
        labels: gold class per row.
        n_features: number of feature columns.
        l2: L2 penalty per weight.
        epochs: optimisation steps.
        class_power: class weight = (n / (k * n_class)) ** class_power.
    """
    k = len(CLASSES)
    counts = np.bincount(labels, minlength=k).astype(float)
    class_weight = (len(labels) / (k * np.maximum(counts, 1))) ** class_power
    sample_weight = class_weight[labels] / class_weight[labels].sum()
    onehot = np.eye(k)[labels]
    weights = np.zeros((n_features, k))
    bias = np.zeros(k)
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, epochs + 1):
        delta = (_softmax(_logits(x, weights, bias)) - onehot) * sample_weight[:, None]
        spread = delta[x.row_of]
        grad_w = np.stack([np.bincount(x.cols, spread[:, c], n_features) for c in range(k)], axis=1) + l2 * weights
        grad_b = delta.sum(axis=0)
        for param, grad, m, v in ((weights, grad_w, moments[0], moments[1]), (bias, grad_b, moments[2], moments[3])):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return weights, bias


def macro_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    """Mean per-class F1 over the five classes (0 where undefined)."""
    scores = []
    for c in range(len(CLASSES)):
        tp = float(np.sum((gold == c) & (predicted == c)))
        fp = float(np.sum((gold != c) & (predicted == c)))
        fn = float(np.sum((gold == c) & (predicted != c)))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def tune_offsets(probs: np.ndarray, gold: np.ndarray, rounds: int = 3, tolerance: float = 0.003) -> np.ndarray:
    """Per-class log-probability offsets (neutral fixed at 0) maximising macro-F1, by coordinate search.

    Macro-F1 is flat near its optimum, so each offset is the median of the grid values scoring
    within ``tolerance`` of the best: the middle of the plateau, not a noisy peak at its edge.
    """
    offsets = np.zeros(len(CLASSES))
    logp = np.log(probs + 1e-12)
    grid = np.linspace(-2.0, 3.0, 51)
    for _ in range(rounds):
        for c in range(1, len(CLASSES)):
            scores = []
            for value in grid:
                offsets[c] = value
                scores.append(macro_f1(gold, (logp + offsets).argmax(axis=1)))
            best = max(scores)
            offsets[c] = float(np.median([v for v, sc in zip(grid, scores, strict=True) if sc >= best - tolerance]))
    return offsets


def _folds(examples: list[Example], n_folds: int, seed: int) -> np.ndarray:
    groups = sorted({e.group for e in examples})
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(groups))
    fold_of_group = {groups[g]: k % n_folds for k, g in enumerate(order)}
    return np.asarray([fold_of_group[e.group] for e in examples])


def train(examples: list[Example], min_count: int, l2: float, epochs: int, class_power: float,
          n_folds: int, seed: int) -> dict[str, Any]:
    """Fit the final model on all examples and tune its offsets on out-of-fold predictions."""
    labels = np.asarray([e.label for e in examples])
    folds = _folds(examples, n_folds, seed)
    oof = np.zeros((len(examples), len(CLASSES)))
    for k in range(n_folds):
        train_idx, test_idx = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        index = _feature_index([examples[i] for i in train_idx], min_count)
        w, b = fit(_vectorise([examples[i] for i in train_idx], index), labels[train_idx], len(index), l2, epochs, class_power)
        oof[test_idx] = _softmax(_logits(_vectorise([examples[i] for i in test_idx], index), w, b))
    offsets = tune_offsets(oof, labels)
    cv_plain = macro_f1(labels, oof.argmax(axis=1))
    cv_tuned = macro_f1(labels, (np.log(oof + 1e-12) + offsets).argmax(axis=1))
    index = _feature_index(examples, min_count)
    weights, bias = fit(_vectorise(examples, index), labels, len(index), l2, epochs, class_power)
    return {"index": index, "weights": weights, "bias": bias, "offsets": offsets,
            "cv_macro_f1": cv_plain, "cv_macro_f1_tuned": cv_tuned}


def _feature_index(examples: list[Example], min_count: int) -> dict[str, int]:
    counts = Counter(f for e in examples for f in set(e.features))
    kept = sorted(f for f, n in counts.items() if n >= min_count)
    return {f: i for i, f in enumerate(kept)}


def write_model(path: Path, model: dict[str, Any], meta: dict[str, Any], prune: float) -> int:
    """Write the model as JSON, dropping features whose weights are all below ``prune``."""
    weights = model["weights"]
    names = sorted(model["index"], key=model["index"].get)
    keep = [i for i in range(len(names)) if np.abs(weights[i]).max() >= prune]
    data = {
        "classes": list(CLASSES),
        "meta": meta,
        "bias": [round(float(v), 4) for v in model["bias"]],
        "offsets": [round(float(v), 3) for v in model["offsets"]],
        "features": [names[i] for i in keep],
        "weights": [[round(float(v), 3) for v in weights[i]] for i in keep],
    }
    path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    return len(keep)


def main(argv: list[str] | None = None, pipeline: Pipeline | None = None) -> int:
    """Command-line entry point; ``pipeline`` lets a caller supply one (e.g. with cached NER)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, required=True, help="directed-sentiment train.txt")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_FILE)
    parser.add_argument("--actors", type=Path, default=None, help="actor knowledge base (default: shipped)")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--l2", type=float, default=2e-3)
    parser.add_argument("--epochs", type=int, default=250)
    parser.add_argument("--class-power", type=float, default=0.5)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--prune", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    resources = Resources(actors_file=args.actors) if args.actors else Resources()
    pipeline = pipeline or Pipeline(resources, ("wirewatch.ner.v1", "wirewatch.actors.v1"))
    kb = knowledge_base(pipeline.resources)
    rows = _distinct_rows(read_rows(args.train))
    examples = build_examples(pipeline, kb, StanceLexicon.load(), rows)
    print(f"{len(examples)} examples from {len(rows)} rows in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    model = train(examples, args.min_count, args.l2, args.epochs, args.class_power, args.folds, args.seed)
    meta = {"train_file": args.train.name, "rows": len(rows), "examples": len(examples), "min_count": args.min_count,
            "l2": args.l2, "epochs": args.epochs, "class_power": args.class_power, "folds": args.folds,
            "seed": args.seed, "cv_macro_f1": round(model["cv_macro_f1"], 4),
            "cv_macro_f1_tuned": round(model["cv_macro_f1_tuned"], 4)}
    kept = write_model(args.out, model, meta, args.prune)
    print(json.dumps({**meta, "features": kept, "seconds": round(time.perf_counter() - started)}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

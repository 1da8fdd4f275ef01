"""Measure the extraction on human-annotated datasets (``wirewatch eval NAME PATH``).

Each dataset has a module exposing ``evaluate(pipeline, path, progress) -> dict`` that runs the
same :class:`~streams.pipeline.Pipeline` as the worker and returns a JSON-ready dict of metrics.
The metric definitions are in the README ("Evaluation") and in each module's docstring.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError

__all__ = ["DATASETS", "Progress", "evaluate"]

#: dataset name -> module with ``evaluate(pipeline, path, progress)``
DATASETS = {
    "polnear": "streams.evaluation.polnear",
    "directed-sentiment": "streams.evaluation.directed_sentiment",
    "newsmtsc": "streams.evaluation.newsmtsc",
    "conll": "streams.evaluation.conll",
    "plover": "streams.evaluation.plover",
    "wikievents": "streams.evaluation.wikievents",
    "ecbplus": "streams.evaluation.stories",
    "duplicates": "streams.evaluation.duplicates",
}

#: called as ``progress(done, total)`` while an evaluation runs
Progress = Callable[[int, int], None]


def evaluate(name: str, pipeline: Any, path: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Run dataset ``name``'s evaluation at ``path`` and return its metrics."""
    if name not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    if not path.exists():
        raise ConfigError(f"{path}: no such file or directory")
    module = importlib.import_module(DATASETS[name])
    result: dict[str, Any] = module.evaluate(pipeline, path, progress or (lambda done, total: None))
    return result

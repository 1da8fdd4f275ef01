"""Fixtures shared by all tiers: article factories and the evaluation-data location."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas import Article

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def article_factory() -> Callable[..., Article]:
    """Build an :class:`Article` with sensible defaults; override any field by keyword."""
    counter = iter(range(1_000_000))

    def make(**fields: Any) -> Article:
        fields.setdefault("uri", f"urn:test:article:{next(counter)}")
        fields.setdefault("headline", "Test headline")
        fields.setdefault("body_text", "Nothing happened today.")
        return Article.model_validate(fields)

    return make


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """``../shared/eval`` (or ``WIREWATCH_EVAL_DIR``); tests that need it skip when it is absent."""
    path = Path(os.environ.get("WIREWATCH_EVAL_DIR", REPO.parent / "shared" / "eval"))
    if not path.is_dir():
        pytest.skip(f"evaluation data not found at {path}")
    return path


@pytest.fixture(autouse=True)
def _clean_wirewatch_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their settings explicitly: a developer's WIREWATCH_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("WIREWATCH_") and not name.startswith(("WIREWATCH_TEST_", "WIREWATCH_EVAL_DIR")):
            monkeypatch.delenv(name)

"""Generate the JSON Schema files in ``schemas/json/`` that subscribers in any language read.

Run ``python -m schemas.json_schema`` after changing a model; a unit test fails when they drift.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.alert import Alert
from schemas.article import Article
from schemas.dead_letter import DeadLetter
from schemas.enriched import EnrichedArticle
from schemas.event_update import EventUpdate, Story

__all__ = ["JSON_DIR", "MODELS", "render", "write_all"]

JSON_DIR = Path(__file__).parent / "json"

#: file stem -> model; ``.v1`` is the contract version (a breaking change is a new file).
MODELS: dict[str, type[BaseModel]] = {
    "article.v1": Article,
    "enriched_article.v1": EnrichedArticle,
    "alert.v1": Alert,
    "dead_letter_headers.v1": DeadLetter,
    "event_update.v1": EventUpdate,
    "story.v1": Story,
}


def render(model: type[BaseModel]) -> str:
    """The JSON Schema of ``model``, as stable pretty-printed text."""
    schema = model.model_json_schema(mode="serialization")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all() -> list[Path]:
    """Write every schema file and return their paths."""
    JSON_DIR.mkdir(exist_ok=True)
    written = []
    for stem, model in MODELS.items():
        path = JSON_DIR / f"{stem}.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
